// Invitation tokens: shown once to the inviter (there is no email sender), then only their
// SHA-256 is stored. Like access tokens (tokens.ts) they carry where to look, which is not
// secret and is checked against the stored item: the organization (UUID without dashes) and the
// invitation id, then 256 random bits.
import { randomBytes } from 'node:crypto';

export const INVITATION_TOKEN_PREFIX = 'dagy_inv_';
// dagy_inv_ + 32 hex (org id) + 12 alphanumerics (invitation id suffix) + 43 base64url.
const INVITATION_TOKEN_FORMAT = /^dagy_inv_([0-9a-f]{32})([A-Za-z0-9]{12})([A-Za-z0-9_-]{43})$/;
const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
const INVITATION_ID = /^inv_([A-Za-z0-9]{12})$/;

/** A new token for the invitation `invitationId` (inv_ + 12 alphanumerics) of organization `orgId` (a UUID). */
export function newInvitationToken(orgId: string, invitationId: string): string {
  const org = UUID.exec(orgId);
  const id = INVITATION_ID.exec(invitationId);
  if (org === null || id === null) throw new Error('invitation tokens need a UUID org id and an inv_ id');
  return INVITATION_TOKEN_PREFIX + org.slice(1).join('') + id[1]! + randomBytes(32).toString('base64url');
}

/** The organization and invitation a well-formed token names (unverified until the stored hash agrees), else null. */
export function invitationTokenTarget(token: string): { org_id: string; invitation_id: string } | null {
  const m = typeof token === 'string' ? INVITATION_TOKEN_FORMAT.exec(token) : null;
  if (m === null) return null;
  const h = m[1]!;
  return { org_id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, invitation_id: `inv_${m[2]!}` };
}
