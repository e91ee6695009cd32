import { randomBytes, randomUUID } from 'node:crypto';

/**
 * UUID version 7: time-ordered, so ids sort by creation (newest-first listings) and spread writes.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  const ts = BigInt(nowMs);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ts >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuid(): string {
  return randomUUID();
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Short random id with a readable prefix, e.g. sch_k3n8p2q9x4m7. */
export function shortId(prefix: string, length = 12): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return `${prefix}_${out}`;
}

const ADJECTIVES = ['amber', 'brisk', 'calm', 'daring', 'eager', 'fuzzy', 'gentle', 'hasty', 'icy', 'jolly', 'keen', 'lucky', 'mellow', 'nimble', 'odd', 'proud', 'quiet', 'rapid', 'silent', 'tidy', 'urban', 'vivid', 'witty', 'young', 'zesty'];
const NOUNS = ['badger', 'comet', 'dolphin', 'ember', 'falcon', 'glacier', 'heron', 'island', 'jaguar', 'kestrel', 'lagoon', 'meadow', 'nebula', 'otter', 'panda', 'quartz', 'raven', 'summit', 'tiger', 'umbra', 'valley', 'walrus', 'yak', 'zephyr'];

/** Human-friendly run identifier, e.g. "brisk-falcon-4821" (not unique alone; run_id is). */
export function runSlug(): string {
  const b = randomBytes(4);
  const n = b.readUInt16BE(2) % 10000;
  return `${ADJECTIVES[b[0]! % ADJECTIVES.length]}-${NOUNS[b[1]! % NOUNS.length]}-${String(n).padStart(4, '0')}`;
}
