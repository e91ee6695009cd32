import type { Platform } from '../../../local/platform';
import { signUpTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { scanAll } from './helpers';

// Invalid requests answer 400 with the field path and change nothing; logins cannot enumerate
// accounts and are throttled per email.
describe('identity: bad input and login throttling', () => {
  let platform: Platform;
  const good = { email: 'grace@example.com', password: 'a long passphrase 42', name: 'Grace', org_name: 'Navy' };

  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const anon = () => apiClient(platform.url);
  const counts = async () => ({
    users: (await scanAll(platform, 'User')).length,
    orgs: (await scanAll(platform, 'Organization')).length,
    members: (await scanAll(platform, 'Membership')).length,
    envs: (await scanAll(platform, 'Environment')).length,
    tokens: (await scanAll(platform, 'AccessToken')).length,
    audit: (await scanAll(platform, 'AuditLog')).length,
  });

  it.each([
    [{ ...good, password: 'short' }, 'password'],
    [{ ...good, password: 'abcabcabcabcabc' }, 'password'],
    [{ ...good, email: 'not-an-email' }, 'email'],
    [{ ...good, name: '' }, 'name'],
    [{ ...good, org_name: undefined }, 'org_name'],
  ])('refuses signup %j at %s and writes nothing', async (body, path) => {
    const before = await counts();
    const res = await anon().post('/v1/auth/signup', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('refuses a duplicate email (any case) at email, leaving nothing half-written', async () => {
    expect((await anon().post('/v1/auth/signup', good)).status).toBe(201);
    const before = await counts();
    const res = await anon().post('/v1/auth/signup', { ...good, email: 'GRACE@example.com', org_name: 'Second' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'email', message: 'an account with this email already exists' }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses malformed JSON, unknown roles and bad expiries with field paths', async () => {
    const owner = await signUpTenant(platform.url, 'validator');
    const malformed = await owner.api.post('/v1/api-keys', '{"name": ');
    expect(malformed.status).toBe(400);
    const role = await owner.api.post('/v1/members', { email: 'x@example.com', role: 'superuser' });
    expect(role.status).toBe(400);
    expect(role.body.error.details.map((d: { path: string }) => d.path)).toEqual(['role']);
    const keyRole = await owner.api.post('/v1/api-keys', { name: 'k', role: 'root' });
    expect(keyRole.body.error.details.map((d: { path: string }) => d.path)).toEqual(['role']);
    const past = await owner.api.post('/v1/api-keys', { name: 'k', role: 'viewer', expires_at: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.details).toEqual([{ path: 'expires_at', message: 'must be in the future' }]);
    const notDate = await owner.api.post('/v1/api-keys', { name: 'k', role: 'viewer', expires_at: 'tomorrow' });
    expect(notDate.body.error.details.map((d: { path: string }) => d.path)).toEqual(['expires_at']);
    // Someone without an account yet can be invited (they accept once signed up with that email).
    const unknownUser = await owner.api.post('/v1/members', { email: 'nobody-here@example.com', role: 'viewer' });
    expect(unknownUser.status).toBe(201);
    const already = await owner.api.post('/v1/members', { email: owner.email, role: 'viewer' });
    expect(already.status).toBe(409);
    expect((await owner.api.get('/v1/members?limit=0')).status).toBe(400);
    expect((await owner.api.get('/v1/members?cursor=!!!')).status).toBe(400);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const user = await signUpTenant(platform.url, 'enum');
    const wrong = await anon().post('/v1/auth/login', { email: user.email, password: 'wrong password here' });
    const unknown = await anon().post('/v1/auth/login', { email: 'nobody-enum@example.com', password: 'wrong password here' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.message).toBe('invalid email or password');
  });

  it('answers 429 with Retry-After after repeated failures, for known and unknown emails alike', async () => {
    const user = await signUpTenant(platform.url, 'throttled');
    for (const email of [user.email, 'ghost-throttled@example.com']) {
      for (let i = 0; i < 5; i++) {
        expect((await anon().post('/v1/auth/login', { email, password: `wrong password ${i}` })).status).toBe(401);
      }
      const locked = await anon().post('/v1/auth/login', { email, password: 'wrong password again' });
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('too_many_requests');
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    }
    // Even the right password waits out the window.
    expect((await anon().post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(429);
    // Other emails are unaffected.
    const other = await signUpTenant(platform.url, 'unaffected');
    expect((await anon().post('/v1/auth/login', { email: other.email, password: other.password })).status).toBe(200);
  });

  it('forgets earlier failures after a successful login', async () => {
    const user = await signUpTenant(platform.url, 'forgiven');
    for (let i = 0; i < 4; i++) await anon().post('/v1/auth/login', { email: user.email, password: `wrong password ${i}` });
    expect((await anon().post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      expect((await anon().post('/v1/auth/login', { email: user.email, password: `wrong password ${i}` })).status).toBe(401);
    }
    expect((await anon().post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
  });
});
