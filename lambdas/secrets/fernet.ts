// Fernet (https://github.com/fernet/spec) on node:crypto only.
// Token = 0x80 | timestamp (u64 BE, epoch s) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32),
// the whole thing base64url *with* padding. Key = 32 bytes (signing 16 | encryption 16), base64url.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 0x80;
const HEADER_LEN = 1 + 8 + 16; // version, timestamp, IV
const HMAC_LEN = 32;
const BLOCK = 16;
// Same tolerance as the reference implementations: a token stamped up to 60 s in the future is
// accepted (clock drift between machines), beyond that it is refused.
export const FERNET_MAX_CLOCK_SKEW_SECONDS = 60;

export type FernetErrorReason =
  | 'invalid-key'
  | 'invalid-base64'
  | 'invalid-version'
  | 'invalid-length'
  | 'invalid-hmac'
  | 'invalid-padding'
  | 'expired'
  | 'future-timestamp';

export class FernetError extends Error {
  readonly reason: FernetErrorReason;
  constructor(reason: FernetErrorReason, message?: string) {
    super(message ?? `invalid Fernet token: ${reason}`);
    this.name = 'FernetError';
    this.reason = reason;
  }
}

export interface FernetEncryptOptions {
  /** Timestamp to stamp, epoch seconds (default: now). */
  now?: number;
  /** 16-byte IV (default: random). Only tests should pass one: reusing an IV leaks data. */
  iv?: Buffer;
}

export interface FernetDecryptOptions {
  /** Current time, epoch seconds (default: now). */
  now?: number;
  /** Maximum token age. Without it, neither age nor clock skew is checked (as in the spec). */
  ttlSeconds?: number;
}

// Strict url-safe base64 with canonical padding: Buffer.from(s, 'base64url') silently skips
// characters it does not know, which would accept the spec's malformed tokens.
const PADDED_BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;

function decodeBase64Url(s: string): Buffer | undefined {
  if (!PADDED_BASE64URL.test(s)) return undefined;
  return Buffer.from(s, 'base64url');
}

function toPaddedBase64Url(b: Buffer): string {
  // Node's base64url omits padding; the Fernet spec keeps it.
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function splitKey(key: string): { signingKey: Buffer; encryptionKey: Buffer } {
  const raw = typeof key === 'string' ? decodeBase64Url(key) : undefined;
  if (!raw || raw.length !== 32) {
    throw new FernetError('invalid-key', 'Fernet key must be 32 bytes of url-safe base64');
  }
  return { signingKey: raw.subarray(0, 16), encryptionKey: raw.subarray(16) };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A fresh random Fernet key (url-safe base64 of 32 bytes). */
export function generateFernetKey(): string {
  return fernetKeyFromBytes(randomBytes(32));
}

/** Encodes 32 raw key bytes (e.g. a KMS data key) as a Fernet key string. */
export function fernetKeyFromBytes(raw: Buffer): string {
  if (raw.length !== 32) throw new FernetError('invalid-key', 'Fernet key must be 32 bytes');
  return toPaddedBase64Url(raw);
}

export function fernetEncrypt(key: string, plaintext: Buffer | string, opts: FernetEncryptOptions = {}): string {
  const { signingKey, encryptionKey } = splitKey(key);
  const iv = opts.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new RangeError('Fernet IV must be 16 bytes');
  const ts = opts.now ?? nowSeconds();
  if (!Number.isFinite(ts) || ts < 0) throw new RangeError('Fernet timestamp must be a non-negative number');

  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt8(VERSION, 0);
  header.writeBigUInt64BE(BigInt(Math.floor(ts)), 1);
  iv.copy(header, 9);

  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv); // PKCS7 padding by default
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const signed = Buffer.concat([header, cipher.update(data), cipher.final()]);
  const mac = createHmac('sha256', signingKey).update(signed).digest();
  return toPaddedBase64Url(Buffer.concat([signed, mac]));
}

export function fernetDecrypt(key: string, token: string, opts: FernetDecryptOptions = {}): Buffer {
  const { signingKey, encryptionKey } = splitKey(key);
  const raw = typeof token === 'string' ? decodeBase64Url(token) : undefined;
  if (!raw) throw new FernetError('invalid-base64');
  if (raw.length < 1 || raw[0] !== VERSION) throw new FernetError('invalid-version');
  const cipherLen = raw.length - HEADER_LEN - HMAC_LEN;
  if (cipherLen < BLOCK || cipherLen % BLOCK !== 0) throw new FernetError('invalid-length');

  // Authenticate before looking at anything else the token claims (timestamp, padding).
  const signed = raw.subarray(0, raw.length - HMAC_LEN);
  const expected = createHmac('sha256', signingKey).update(signed).digest();
  if (!timingSafeEqual(expected, raw.subarray(raw.length - HMAC_LEN))) throw new FernetError('invalid-hmac');

  if (opts.ttlSeconds !== undefined) {
    // BigInt: the stamp is a u64 and a forged-but-keyed token could carry any value.
    const ts = raw.readBigUInt64BE(1);
    const now = BigInt(Math.floor(opts.now ?? nowSeconds()));
    if (ts + BigInt(Math.floor(opts.ttlSeconds)) < now) throw new FernetError('expired');
    if (now + BigInt(FERNET_MAX_CLOCK_SKEW_SECONDS) < ts) throw new FernetError('future-timestamp');
  }

  const decipher = createDecipheriv('aes-128-cbc', encryptionKey, raw.subarray(9, HEADER_LEN));
  try {
    return Buffer.concat([decipher.update(raw.subarray(HEADER_LEN, raw.length - HMAC_LEN)), decipher.final()]);
  } catch {
    throw new FernetError('invalid-padding');
  }
}

