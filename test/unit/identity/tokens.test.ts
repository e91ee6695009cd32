import { isAccessTokenFormat, newAccessToken, sha256Hex } from '../../../lambdas/identity/tokens';

describe('access tokens', () => {
  it('are dagy_at_ + 43 base64url chars and unique', () => {
    const a = newAccessToken();
    expect(a).toMatch(/^dagy_at_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(8), 'base64url')).toHaveLength(32);
    expect(newAccessToken()).not.toBe(a);
    expect(isAccessTokenFormat(a)).toBe(true);
  });

  it.each([
    '',
    'dagy_at_',
    `dagy_at_${'A'.repeat(42)}`,
    `dagy_at_${'A'.repeat(44)}`,
    `dagy_at_${'A'.repeat(42)}=`,
    `dagy_at_${'A'.repeat(42)}+`,
    `dagy_key_${'A'.repeat(43)}`,
    ` dagy_at_${'A'.repeat(43)}`,
  ])('refuses malformed %p', (s) => {
    expect(isAccessTokenFormat(s)).toBe(false);
  });

  it('sha256Hex matches the FIPS 180-2 vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
