// Password hashing with scrypt (node:crypto), self-describing encoding so parameters can be
// raised later without breaking stored hashes: scrypt$N$r$p$saltB64$hashB64.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

// Bounds on what a stored hash may ask for, so a corrupted row cannot make a login burn memory/CPU.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keyLen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// NFKC so the same password typed on different keyboards/OSes hashes the same (NIST 800-63B).
const normalize = (password: string): string => password.normalize('NFKC');

// 128·N·r bytes of scratch memory; the default 32 MiB cap would refuse N=2^18, r=8.
const maxmemFor = (n: number, r: number): number => 128 * n * r * 2 + 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(normalize(password), salt, KEY_BYTES, { N, r: R, p: P, maxmem: maxmemFor(N, R) });
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function parseHash(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map((x) => (/^[1-9]\d{0,7}$/.test(x) ? Number(x) : NaN));
  if (!(n >= 2 && n <= MAX_N && (n & (n - 1)) === 0)) return undefined; // scrypt needs a power of two
  if (!(r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return undefined;
  if (!B64.test(parts[4]) || !B64.test(parts[5])) return undefined;
  const salt = Buffer.from(parts[4], 'base64');
  const key = Buffer.from(parts[5], 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 128) return undefined;
  return { n, r, p, salt, key };
}

/** True when `password` matches `encoded`; false for a mismatch or an unreadable hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const { n, r, p, salt, key } = parsed;
  const candidate = await scryptAsync(normalize(password), salt, key.length, { N: n, r, p, maxmem: maxmemFor(n, r) });
  return timingSafeEqual(candidate, key);
}

/**
 * Hash of no password (random salt and key): verifying against it costs what a real check costs.
 * Built from the live parameters so it keeps costing the same when they are raised.
 */
export const DUMMY_PASSWORD_HASH = [
  'scrypt', N, R, P,
  'oArcnISZrc7ykaiEc3RqfQ==',
  'IInYlY+G6Rbd132D2WY8ncYvdG+IthnbfsyTqjda9+HOWycF6YZ6RDTLSd9D+OA1vZeHLZrTKg6juA4tKUZTtw==',
].join('$');

/**
 * For a login with an unknown email: spend the same scrypt time as a real check so response
 * times don't reveal which emails have accounts. Always false.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_PASSWORD_HASH);
  return false;
}

/** Human-readable reasons the password is refused; empty when acceptable. */
export function passwordPolicyIssues(password: string): string[] {
  const chars = [...password]; // code points, so an emoji counts once
  const issues: string[] = [];
  if (chars.length < PASSWORD_MIN_LENGTH) issues.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (chars.length > PASSWORD_MAX_LENGTH) issues.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (chars.length > 0 && password.trim() === '') issues.push('must not be only whitespace');
  if (/[\u0000-\u001f\u007f]/.test(password)) issues.push('must not contain control characters');
  if (chars.length >= PASSWORD_MIN_LENGTH && isShortRepetition(chars)) {
    issues.push('must not be one short pattern repeated (like "aaaa" or "abcabc")');
  }
  return issues;
}

// "aaaaaaaaaaaa", "abababababab", "abcabcabcabc": a period of at most 3 characters repeated.
function isShortRepetition(chars: string[]): boolean {
  for (let period = 1; period <= 3; period++) {
    if (chars.every((c, i) => c === chars[i % period])) return true;
  }
  return false;
}
