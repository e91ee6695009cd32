// Opaque session access tokens: 256 random bits, prefixed so leaked tokens are recognisable by
// secret scanners; only their SHA-256 is stored (a DB leak reveals no usable token).
import { createHash, randomBytes } from 'node:crypto';

export const ACCESS_TOKEN_PREFIX = 'dagy_at_';
const ACCESS_TOKEN_FORMAT = /^dagy_at_[A-Za-z0-9_-]{43}$/;

export function newAccessToken(): string {
  return ACCESS_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Shape check only (no lookup): lets the authorizer route bearer secrets and refuse junk cheaply. */
export function isAccessTokenFormat(s: string): boolean {
  return typeof s === 'string' && ACCESS_TOKEN_FORMAT.test(s);
}

/** SHA-256 hex: the stored/looked-up form of tokens and keys (high-entropy, so no salt needed). */
export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
