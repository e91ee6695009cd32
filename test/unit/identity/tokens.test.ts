import { accessTokenUserId, isAccessTokenFormat, newAccessToken, sha256Hex } from '../../../lambdas/identity/tokens';

const USER = '0190f3a2-7b1c-7d2e-8f3a-1234567890ab';
const HEX = USER.replace(/-/g, '');

describe('access tokens', () => {
  it('are dagy_at_ + the user id as hex + 43 base64url random chars, and unique', () => {
    const a = newAccessToken(USER);
    expect(a).toMatch(/^dagy_at_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
    expect(a.slice(8, 40)).toBe(HEX);
    expect(Buffer.from(a.slice(40), 'base64url')).toHaveLength(32);
    expect(newAccessToken(USER)).not.toBe(a);
    expect(isAccessTokenFormat(a)).toBe(true);
  });

  it('carry their user id back out', () => {
    expect(accessTokenUserId(newAccessToken(USER))).toBe(USER);
  });

  it('are only issued to UUID user ids', () => {
    expect(() => newAccessToken('not-a-uuid')).toThrow();
  });

  it.each([
    '',
    'dagy_at_',
    `dagy_at_${HEX}${'A'.repeat(42)}`,
    `dagy_at_${HEX}${'A'.repeat(44)}`,
    `dagy_at_${HEX}${'A'.repeat(42)}=`,
    `dagy_at_${HEX}${'A'.repeat(42)}+`,
    `dagy_at_${HEX.toUpperCase()}${'A'.repeat(43)}`,
    `dagy_at_${'A'.repeat(43)}`,
    `dagy_key_${HEX}${'A'.repeat(43)}`,
    ` dagy_at_${HEX}${'A'.repeat(43)}`,
  ])('refuses malformed %p', (s) => {
    expect(isAccessTokenFormat(s)).toBe(false);
    expect(accessTokenUserId(s)).toBeNull();
  });

  it('sha256Hex matches the FIPS 180-2 vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
