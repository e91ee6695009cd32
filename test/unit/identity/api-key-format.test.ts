import {
  apiKeyPrefixForDisplay,
  crc32,
  hasValidApiKeyChecksum,
  newApiKey,
  randomBase62,
  toBase62Fixed,
} from '../../../lambdas/identity/api-key-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('crc32', () => {
  it('matches the IEEE check value and other known vectors', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
    expect(crc32(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
  });
});

describe('toBase62Fixed', () => {
  it('is fixed-width and most-significant first', () => {
    expect(toBase62Fixed(0, 6)).toBe('000000');
    expect(toBase62Fixed(61, 6)).toBe('00000z');
    expect(toBase62Fixed(62, 6)).toBe('000010');
    expect(toBase62Fixed(0xffffffff, 6)).toBe('4gfFC3');
  });
});

describe('API keys', () => {
  it('have the dagy_key_ + 30 + 6 base62 shape and a valid checksum', () => {
    for (let i = 0; i < 50; i++) {
      const key = newApiKey();
      expect(key).toMatch(/^dagy_key_[0-9A-Za-z]{36}$/);
      expect(hasValidApiKeyChecksum(key)).toBe(true);
    }
  });

  it('refuses every one-character typo in the random and checksum parts', () => {
    const key = newApiKey();
    for (let i = 'dagy_key_'.length; i < key.length; i++) {
      const replacement = BASE62[(BASE62.indexOf(key[i]) + 1 + (i % 61)) % 62];
      const typo = key.slice(0, i) + replacement + key.slice(i + 1);
      expect(typo).not.toBe(key);
      expect(hasValidApiKeyChecksum(typo)).toBe(false);
    }
  });

  it('refuses swapped adjacent characters, truncation and wrong prefixes', () => {
    const key = newApiKey();
    let i = 'dagy_key_'.length;
    while (key[i] === key[i + 1]) i++; // swap two characters that differ
    const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    expect(hasValidApiKeyChecksum(swapped)).toBe(false);
    expect(hasValidApiKeyChecksum(key.slice(0, -1))).toBe(false);
    expect(hasValidApiKeyChecksum(`${key}0`)).toBe(false);
    expect(hasValidApiKeyChecksum(key.replace('dagy_key_', 'dagy_kex_'))).toBe(false);
    expect(hasValidApiKeyChecksum(` ${key}`)).toBe(false);
    expect(hasValidApiKeyChecksum('')).toBe(false);
  });

  it('accepts a hand-built key whose checksum is the CRC32 of its random part', () => {
    const random = 'a'.repeat(30);
    expect(hasValidApiKeyChecksum(`dagy_key_${random}${toBase62Fixed(crc32(random), 6)}`)).toBe(true);
    expect(hasValidApiKeyChecksum(`dagy_key_${random}000000`)).toBe(false);
  });

  it('shows a short non-secret prefix', () => {
    const key = newApiKey();
    expect(apiKeyPrefixForDisplay(key)).toBe(key.slice(0, 12));
    expect(apiKeyPrefixForDisplay(key).startsWith('dagy_key_')).toBe(true);
  });
});

describe('randomBase62', () => {
  it('draws every character roughly uniformly (no modulo bias toward 0-7)', () => {
    const sample = randomBase62(62 * 4000);
    const counts = new Map<string, number>();
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 4000 each (sd ≈ 63). Plain `byte % 62` would put '0'..'7' near 4840 and the rest
    // near 3875. The ±400 band is ~6.4 sd: a fair sampler leaves it about once per 10^8 runs.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(3600);
      expect(n).toBeLessThan(4400);
    }
  });
});
