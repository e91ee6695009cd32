import fc from 'fast-check';
import { FernetError, fernetDecrypt, fernetEncrypt, fernetKeyFromBytes, generateFernetKey } from '../../../lambdas/secrets/fernet';
import type { FernetErrorReason } from '../../../lambdas/secrets/fernet';
import { generateVectors, invalidVectors, verifyVectors } from './fernet-vectors';

const epoch = (iso: string): number => Date.parse(iso) / 1000;

function reasonOf(fn: () => unknown): FernetErrorReason | 'no-error' {
  try {
    fn();
    return 'no-error';
  } catch (e) {
    if (e instanceof FernetError) return e.reason;
    throw e;
  }
}

describe('Fernet spec vectors', () => {
  it.each(generateVectors)('generate: produces the spec token', (v) => {
    const token = fernetEncrypt(v.secret, v.src, { now: epoch(v.now), iv: Buffer.from(v.iv) });
    expect(token).toBe(v.token);
  });

  it.each(verifyVectors)('verify: decrypts the spec token', (v) => {
    const out = fernetDecrypt(v.secret, v.token, { now: epoch(v.now), ttlSeconds: v.ttl_sec });
    expect(out.toString('utf8')).toBe(v.src);
  });

  // The reason pins *why* each case fails, so a case cannot pass by failing for another cause.
  const expectedReason: Record<string, FernetErrorReason> = {
    'incorrect mac': 'invalid-hmac',
    'too short': 'invalid-length',
    'invalid base64': 'invalid-base64',
    'payload size not multiple of block size': 'invalid-length',
    'payload padding error': 'invalid-padding',
    'far-future TS (unacceptable clock skew)': 'future-timestamp',
    'expired TTL': 'expired',
    'incorrect IV (causes padding error)': 'invalid-padding',
    'trailing characters after b64 padding': 'invalid-base64',
    'invalid characters in b64': 'invalid-base64',
    'invalid non-urlsafe characters in b64': 'invalid-base64',
  };

  it('has all 11 invalid cases', () => {
    expect(invalidVectors).toHaveLength(11);
    expect(invalidVectors.map((v) => v.desc).sort()).toEqual(Object.keys(expectedReason).sort());
  });

  it.each(invalidVectors)('invalid: rejects "$desc"', (v) => {
    const reason = reasonOf(() => fernetDecrypt(v.secret, v.token, { now: epoch(v.now), ttlSeconds: v.ttl_sec }));
    expect(reason).toBe(expectedReason[v.desc]);
  });
});

describe('Fernet TTL and clock skew edges', () => {
  const key = generateFernetKey();
  const stamped = 1_000_000;
  const token = fernetEncrypt(key, 'x', { now: stamped });
  const dec = (now: number, ttlSeconds?: number) => reasonOf(() => fernetDecrypt(key, token, { now, ttlSeconds }));

  it('accepts at exactly ts + ttl and rejects one second later', () => {
    expect(dec(stamped + 60, 60)).toBe('no-error');
    expect(dec(stamped + 61, 60)).toBe('expired');
  });

  it('tolerates 60 s of clock skew and no more', () => {
    expect(dec(stamped - 60, 60)).toBe('no-error');
    expect(dec(stamped - 61, 60)).toBe('future-timestamp');
  });

  it('checks neither age nor skew without a ttl, as the spec does', () => {
    expect(dec(stamped + 10_000_000)).toBe('no-error');
    expect(dec(stamped - 10_000)).toBe('no-error');
  });
});

describe('Fernet round trip and tampering', () => {
  it('round-trips arbitrary binary', () => {
    const key = generateFernetKey();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const data = Buffer.from(bytes);
        expect(fernetDecrypt(key, fernetEncrypt(key, data)).equals(data)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a token under another key', () => {
    const token = fernetEncrypt(generateFernetKey(), 'secret');
    expect(reasonOf(() => fernetDecrypt(generateFernetKey(), token))).toBe('invalid-hmac');
  });

  it('rejects any single flipped byte', () => {
    const key = generateFernetKey();
    const raw = Buffer.from(fernetEncrypt(key, 'some secret value', { now: 1 }), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const copy = Buffer.from(raw);
      copy[i] ^= 0x01;
      const tampered = copy.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
      expect(reasonOf(() => fernetDecrypt(key, tampered))).not.toBe('no-error');
    }
  });

  it('emits padded url-safe base64 and uses fresh IVs', () => {
    const key = generateFernetKey();
    const a = fernetEncrypt(key, 'same', { now: 5 });
    const b = fernetEncrypt(key, 'same', { now: 5 });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+={0,2}$/);
    expect(a.length % 4).toBe(0);
  });

  it('refuses malformed keys', () => {
    expect(reasonOf(() => fernetEncrypt('short', 'x'))).toBe('invalid-key');
    expect(reasonOf(() => fernetKeyFromBytes(Buffer.alloc(16)))).toBe('invalid-key');
    const k = generateFernetKey();
    expect(k).toHaveLength(44);
    expect(fernetKeyFromBytes(Buffer.from(k, 'base64url'))).toBe(k);
  });

  it('refuses a bad IV length', () => {
    expect(() => fernetEncrypt(generateFernetKey(), 'x', { iv: Buffer.alloc(8) })).toThrow(RangeError);
  });
});
