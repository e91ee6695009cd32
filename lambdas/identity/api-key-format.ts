// GitHub-style API keys: dagy_key_ + 30 base62 random chars (178 bits) + 6 base62 chars of the
// CRC32 of the random part. The checksum lets a typo'd or truncated key be refused (and secret
// scanners confirm a real key) without a database read.
import { randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'dagy_key_';
const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6; // 62^6 ≈ 5.7e10 > 2^32
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY_FORMAT = /^dagy_key_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;

// Table-driven CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320); node 20 has no zlib.crc32.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Buffer | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Fixed-width base62 of an unsigned 32-bit value, most significant digit first. */
export function toBase62Fixed(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/**
 * Uniform base62 characters by rejection sampling: bytes ≥ 248 (= 4·62) are discarded, so
 * `byte % 62` hits every character with probability exactly 4/248.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newApiKey(): string {
  const random = randomBase62(RANDOM_CHARS);
  return API_KEY_PREFIX + random + toBase62Fixed(crc32(random), CHECKSUM_CHARS);
}

/** Format and checksum both right. A pass says nothing about the key existing. */
export function hasValidApiKeyChecksum(s: string): boolean {
  if (typeof s !== 'string') return false;
  const m = API_KEY_FORMAT.exec(s);
  return m !== null && toBase62Fixed(crc32(m[1]), CHECKSUM_CHARS) === m[2];
}

/** The non-secret part shown in listings so users can tell keys apart. */
export function apiKeyPrefixForDisplay(s: string): string {
  return s.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}
