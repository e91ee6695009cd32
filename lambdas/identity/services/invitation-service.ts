import { timingSafeEqual } from 'node:crypto';
import { roleRank, type Role } from '../../catalogue/roles';
import { epochSeconds, isoNow, type Clock } from '../../shared/clock';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import type { OrgPrincipal, Principal } from '../../shared/http/types';
import { shortId } from '../../shared/ids';
import { normalizeEmail } from '../emails';
import { invitationTokenTarget, newInvitationToken } from '../invitation-token';
import type { IdentityStore } from '../repositories/identity-store';
import type { InvitationRecord } from '../repositories/invitation-repository';
import type { MembershipRecord } from '../repositories/membership-repository';
import { sha256Hex } from '../tokens';
import { invitationView } from '../views';
import type { Actor } from './actor';
import type { MemberService } from './member-service';

/** How long an invitation can be accepted. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

export type InvitationView = ReturnType<typeof invitationView>;

export interface IssuedInvitation {
  invitation: InvitationView;
  /** Shown once: the invitee accepts with it (POST /v1/invitations/{token}/accept). */
  token: string;
}

/**
 * Invitations: adding someone by email no longer makes whoever registered that email a member;
 * it issues a token that the invitee, signed in with that very email, accepts. A manager can
 * invite with at most their own role and revoke only invitations at or below it.
 */
export class InvitationService {
  constructor(
    private readonly store: IdentityStore,
    private readonly members: MemberService,
    private readonly clock: Clock,
  ) {}

  async create(principal: OrgPrincipal, input: { email: string; role: Role }, actor: Actor): Promise<IssuedInvitation> {
    this.members.assertMayGrant(principal, input.role);
    const email = normalizeEmail(input.email);
    const credential = await this.store.users.getCredential(email);
    if (credential !== undefined && (await this.store.members.get(principal.org_id, credential.user_id)) !== undefined) {
      throw new ConflictError('this user is already a member', 'already_member');
    }
    const nowMs = this.clock.nowMs();
    const invitationId = shortId('inv');
    const token = newInvitationToken(principal.org_id, invitationId);
    const expiresEpoch = Math.floor(nowMs / 1000) + INVITATION_TTL_SECONDS;
    const invitation: InvitationRecord = {
      org_id: principal.org_id,
      invitation_id: invitationId,
      email,
      role: input.role,
      invited_by: actor.actor_email,
      token_hash: sha256Hex(token),
      created_at: new Date(nowMs).toISOString(),
      expires_at: new Date(expiresEpoch * 1000).toISOString(),
      expires_at_epoch: expiresEpoch,
    };
    await this.store.transact([
      this.store.invitations.put(invitation),
      this.store.audit.put({ ...actor, resource_type: 'invitation', resource_id: invitationId, action: 'create', before: null, after: invitationView(invitation, nowMs) }, invitation.created_at),
    ]);
    return { invitation: invitationView(invitation, nowMs), token };
  }

  /** Pending and expired invitations (expired ones stay until revoked: the table has no TTL). */
  async list(principal: OrgPrincipal, page: PageRequest): Promise<Page<InvitationView>> {
    const found = await this.store.invitations.list(principal.org_id, page);
    const nowMs = this.clock.nowMs();
    return { items: found.items.map((i) => invitationView(i, nowMs)), next_cursor: found.next_cursor };
  }

  async revoke(principal: OrgPrincipal, invitationId: string, actor: Actor): Promise<void> {
    const invitation = /^inv_[A-Za-z0-9]{12}$/.test(invitationId) ? await this.store.invitations.get(principal.org_id, invitationId) : undefined;
    if (invitation === undefined) throw new NotFoundError('invitation');
    if (roleRank(invitation.role) > roleRank(principal.role)) throw new ForbiddenError(`you cannot revoke an invitation whose role (${invitation.role}) is above yours`);
    const now = isoNow(this.clock);
    await this.store.transact([
      this.store.invitations.remove(principal.org_id, invitationId),
      this.store.audit.put({ ...actor, resource_type: 'invitation', resource_id: invitationId, action: 'delete', before: invitationView(invitation, this.clock.nowMs()), after: null }, now),
    ]);
  }

  /**
   * The signed-in invitee accepts: the token must name a live invitation (else 404, whether
   * unknown, revoked, expired or already used) and the caller's account email must be the
   * invited one (else 403). The membership and the invitation's removal are one transaction.
   */
  async accept(principal: Principal, token: string, ipAddress: string): Promise<MembershipRecord> {
    if (principal.principal_type !== 'user') throw new BadRequestError('an invitation is accepted by a signed-in user, not an API key', 'not_a_user');
    const target = invitationTokenTarget(token);
    const invitation = target === null ? undefined : await this.store.invitations.get(target.org_id, target.invitation_id);
    const nowEpoch = epochSeconds(this.clock);
    if (invitation === undefined || !sameHash(invitation.token_hash, sha256Hex(token)) || invitation.expires_at_epoch <= nowEpoch) {
      throw new NotFoundError('invitation');
    }
    const user = await this.store.users.get(principal.user_id);
    if (user === undefined) throw new NotFoundError('invitation');
    if (normalizeEmail(user.email) !== invitation.email) throw new ForbiddenError('this invitation was sent to another email address');
    if (user.org_roles[invitation.org_id] !== undefined) throw new ConflictError('you are already a member of this organization', 'already_member');
    return this.members.join(
      invitation.org_id,
      user,
      invitation.role,
      { org_id: invitation.org_id, actor_email: user.email, ip_address: ipAddress },
      { ops: [this.store.invitations.consume(invitation, nowEpoch)], audit: { invitation_id: invitation.invitation_id, invited_by: invitation.invited_by } },
    );
  }
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
