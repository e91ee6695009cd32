// Opaque session access tokens: 256 random bits, prefixed so leaked tokens are recognisable by
// secret scanners; only their SHA-256 is stored (a DB leak reveals no usable token).
// The owner's user id rides in the token (not secret, and checked against the stored item) so
// that the authorizer can fetch the token and its user in one BatchGetItem.
import { createHash, randomBytes } from 'node:crypto';

export const ACCESS_TOKEN_PREFIX = 'dagy_at_';
const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
// dagy_at_ + 32 hex (user id without dashes) + 43 base64url (32 random bytes).
const ACCESS_TOKEN_FORMAT = /^dagy_at_([0-9a-f]{32})([A-Za-z0-9_-]{43})$/;

/** A new token for a user (user ids are UUIDs). */
export function newAccessToken(userId: string): string {
  const m = UUID.exec(userId);
  if (m === null) throw new Error('access tokens are issued to UUID user ids');
  return ACCESS_TOKEN_PREFIX + m.slice(1).join('') + randomBytes(32).toString('base64url');
}

/** Shape check only (no lookup): lets the authorizer route bearer secrets and refuse junk cheaply. */
export function isAccessTokenFormat(s: string): boolean {
  return typeof s === 'string' && ACCESS_TOKEN_FORMAT.test(s);
}

/** The user id a well-formed token names (unverified until the stored item agrees), else null. */
export function accessTokenUserId(s: string): string | null {
  const m = typeof s === 'string' ? ACCESS_TOKEN_FORMAT.exec(s) : null;
  if (m === null) return null;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** SHA-256 hex: the stored/looked-up form of tokens and keys (high-entropy, so no salt needed). */
export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
