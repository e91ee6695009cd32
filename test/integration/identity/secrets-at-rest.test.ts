import type { EntityName } from '../../../lambdas/catalogue';
import type { Platform } from '../../../local/platform';
import { signUpTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { scanAll } from './helpers';

// Raw passwords, access tokens and API keys must appear in no stored item and no log line.
describe('identity: secrets at rest and in logs', () => {
  const logLines: string[] = [];
  let platform: Platform;

  beforeAll(async () => {
    platform = await startTestPlatform({ functionLogSink: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('stores only hashes and logs none of the secrets', async () => {
    const secrets: string[] = [];
    const tenant = await signUpTenant(platform.url, 'secretive');
    secrets.push(tenant.password, tenant.token);

    const login = await apiClient(platform.url).post('/v1/auth/login', { email: tenant.email, password: tenant.password });
    expect(login.status).toBe(200);
    secrets.push(login.body.access_token.token);
    const wrongPassword = 'not-the-password-at-all-9';
    expect((await apiClient(platform.url).post('/v1/auth/login', { email: tenant.email, password: wrongPassword })).status).toBe(401);
    secrets.push(wrongPassword);

    const key = await tenant.api.post('/v1/api-keys', { name: 'ci', role: 'admin' });
    expect(key.status).toBe(201);
    secrets.push(key.body.secret);
    const keyApi = apiClient(platform.url, { authorization: `Bearer ${key.body.secret}` });
    expect((await keyApi.get('/v1/me')).status).toBe(200);
    expect((await keyApi.get('/v1/access-logs')).status).toBe(200);
    const typo = `${key.body.secret.slice(0, -1)}${key.body.secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await apiClient(platform.url, { authorization: `Bearer ${typo}` }).get('/v1/me')).status).toBe(401);
    secrets.push(typo);
    expect((await tenant.api.delete(`/v1/api-keys/${key.body.api_key.key_id}`)).status).toBe(204);
    expect((await tenant.api.post('/v1/auth/logout')).status).toBe(204);

    const tables: EntityName[] = ['User', 'AccessToken', 'AccessLog', 'Organization', 'Membership', 'ApiKey', 'AuditLog', 'Environment'];
    const stored: string[] = [];
    for (const table of tables) for (const item of await scanAll(platform, table)) stored.push(JSON.stringify(item));
    expect(stored.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(5);

    for (const secret of secrets) {
      // The random part alone is the secret: look for it without the recognisable prefix too.
      const needles = [secret, secret.replace(/^dagy_(at|key)_/, '').slice(-32)];
      for (const needle of needles) {
        expect(stored.filter((s) => s.includes(needle))).toEqual([]);
        expect(logLines.filter((l) => l.includes(needle))).toEqual([]);
      }
    }
    // What is stored instead: a scrypt hash for the password, SHA-256 hex for token and key.
    const credential = (await scanAll(platform, 'User')).find((i) => i.pk === `email#${tenant.email}`);
    expect(credential?.password_hash).toMatch(/^scrypt\$/);
    expect((await scanAll(platform, 'AccessToken')).every((t) => /^[0-9a-f]{64}$/.test(String(t.token_hash)))).toBe(true);
  });
});
