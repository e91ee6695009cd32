import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  passwordPolicyIssues,
  verifyAgainstDummy,
  verifyPassword,
} from '../../../lambdas/identity/passwords';

describe('hashPassword / verifyPassword', () => {
  it('encodes scrypt$N$r$p$salt$hash with a 16-byte salt and 64-byte key', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const parts = encoded.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(parts[4], 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5], 'base64')).toHaveLength(64);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', encoded)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password!')).not.toBe(await hashPassword('same password!'));
  });

  it('matches a known scrypt value (pins the encoding, not just self-consistency)', async () => {
    // RFC 7914 §12 vector with our parameters: scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1, dkLen=64).
    const rfcKey =
      '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887';
    const salt = Buffer.from('SodiumChloride').toString('base64');
    const encoded = ['scrypt', 16384, 8, 1, salt, Buffer.from(rfcKey, 'hex').toString('base64')].join('$');
    expect(await verifyPassword('pleaseletmein', encoded)).toBe(true);
    expect(await verifyPassword('pleaseletmeIn', encoded)).toBe(false);
  });

  it('treats NFC and NFD spellings of a password as the same', async () => {
    const encoded = await hashPassword('caf\u00e9 au lait 2024');
    expect(await verifyPassword('cafe\u0301 au lait 2024', encoded)).toBe(true);
  });

  it.each([
    '',
    'bcrypt$2b$10$abc',
    'scrypt$16384$8$1$c2FsdA==',
    'scrypt$16385$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==', // N not a power of two
    `scrypt$${2 ** 24}$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==`, // N above the bound
    'scrypt$16384$8$1$%%%$AAAAAAAAAAAAAAAAAAAAAA==',
  ])('returns false for an unreadable hash %p', async (encoded) => {
    expect(await verifyPassword('whatever', encoded)).toBe(false);
  });
});

describe('verifyAgainstDummy', () => {
  it('does real scrypt work with the live parameters and always says no', async () => {
    const parts = DUMMY_PASSWORD_HASH.split('$');
    const real = (await hashPassword('x'.repeat(12))).split('$');
    expect(parts.slice(0, 4)).toEqual(real.slice(0, 4));
    expect(Buffer.from(parts[4], 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5], 'base64')).toHaveLength(64);
    expect(await verifyAgainstDummy('anything at all')).toBe(false);
  });
});

describe('passwordPolicyIssues', () => {
  it('accepts a reasonable password', () => {
    expect(passwordPolicyIssues('correct horse battery staple')).toEqual([]);
    expect(passwordPolicyIssues('a'.repeat(11) + 'b')).toEqual([]);
  });

  it('enforces 12..256 characters, counted in code points', () => {
    expect(passwordPolicyIssues('abcdefghijk')).toEqual([expect.stringMatching(/at least 12/)]);
    expect(passwordPolicyIssues('abcdefghijkl')).toEqual([]);
    expect(passwordPolicyIssues('ab'.repeat(128))).toEqual([expect.stringMatching(/pattern/)]);
    expect(passwordPolicyIssues('abcd'.repeat(64))).toEqual([]);
    expect(passwordPolicyIssues('abcd'.repeat(64) + 'e')).toEqual([expect.stringMatching(/at most 256/)]);
    expect(passwordPolicyIssues('😀🙂🙃😉😊😇🥰😍🤩😘😗😚')).toEqual([]); // 12 code points, 24 UTF-16 units
  });

  it('refuses short repeated patterns, whitespace-only and control characters', () => {
    expect(passwordPolicyIssues('aaaaaaaaaaaa')).toEqual([expect.stringMatching(/pattern/)]);
    expect(passwordPolicyIssues('abcabcabcabc')).toEqual([expect.stringMatching(/pattern/)]);
    expect(passwordPolicyIssues('abcdabcdabcd')).toEqual([]);
    expect(passwordPolicyIssues(' '.repeat(12))).toContainEqual(expect.stringMatching(/whitespace/));
    expect(passwordPolicyIssues('good password\u0000x')).toEqual([expect.stringMatching(/control/)]);
  });
});
