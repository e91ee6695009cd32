import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../../../lambdas/identity/tokens';
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { addMember, documentClient } from './helpers';

// OWASP API Security Top 10 (2023) checks of the identity routes, through the HTTP API.
describe('identity: OWASP API security', () => {
  const clock = new ManualClock(Date.now());
  const commands: string[] = [];
  let platform: Platform;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform({ clock, observeAws: (service, command) => commands.push(`${service}:${command}`) });
    [a, b] = await Promise.all([signUpTenant(platform.url, 'tenant-a'), signUpTenant(platform.url, 'tenant-b')]);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  describe('API1 broken object level authorization', () => {
    it("answers 404 for another organization's member or key", async () => {
      const bMember = await addMember(platform.url, b, 'viewer', 'b-member');
      const bKey = await b.api.post('/v1/api-keys', { name: 'b', role: 'viewer' });
      expect(bKey.status).toBe(201);
      for (const res of [
        await a.api.patch(`/v1/members/${bMember.user_id}`, { role: 'admin' }),
        await a.api.delete(`/v1/members/${bMember.user_id}`),
        await a.api.patch(`/v1/members/${b.user_id}`, { role: 'viewer' }),
        await a.api.delete(`/v1/api-keys/${bKey.body.api_key.key_id}`),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      // B's key still works and B's member keeps their role.
      expect((await apiClient(platform.url, { authorization: `Bearer ${bKey.body.secret}` }).get('/v1/me')).status).toBe(200);
      expect((await bMember.inOrg.get('/v1/me')).body.role).toBe('viewer');
    });

    it('refuses to act in an organization the caller does not belong to', async () => {
      const res = await a.api.withHeaders({ 'x-dagy-org': b.org_id }).get('/v1/members');
      expect(res.status).toBe(403);
    });

    it("refuses a pagination cursor that names another organization's partition", async () => {
      const forged = Buffer.from(JSON.stringify({ org_id: b.org_id, user_id: b.user_id })).toString('base64url');
      const res = await a.api.get(`/v1/members?cursor=${forged}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ path: 'cursor', message: 'invalid cursor' }]);
    });
  });

  describe('API2 broken authentication', () => {
    it('refuses a missing, foreign-scheme or garbage credential with 401', async () => {
      for (const authorization of [undefined, 'Basic YTpi', 'Bearer nonsense', 'Bearer dagy_at_short']) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const res = await apiClient(platform.url, headers).get('/v1/me');
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
      }
    });

    it('refuses a well-formed but unknown token, and a token whose user id was swapped', async () => {
      const forged = `dagy_at_${a.user_id.replace(/-/g, '')}${'A'.repeat(43)}`;
      expect((await apiClient(platform.url, { authorization: `Bearer ${forged}` }).get('/v1/me')).status).toBe(401);
      // B's secret part with A's user id: the stored token belongs to B, so it is refused.
      const swapped = `dagy_at_${a.user_id.replace(/-/g, '')}${b.token.slice(40)}`;
      const res = await apiClient(platform.url, { authorization: `Bearer ${swapped}` }).get('/v1/me');
      expect(res.status).toBe(401);
    });

    it('refuses an expired access token that is still in the table', async () => {
      const t = await signUpTenant(platform.url, 'expiring');
      expect((await t.api.get('/v1/me')).status).toBe(200);
      clock.advance(12 * 3600 * 1000 + 1000);
      try {
        const stored = await documentClient(platform).send(new GetCommand({ TableName: platform.resources.tables.AccessToken, Key: { token_hash: sha256Hex(t.token) } }));
        expect(stored.Item).toBeDefined();
        const res = await t.api.get('/v1/me');
        expect(res.status).toBe(401);
        expect(res.body.error.message).toContain('expired');
        // Logging in again gives a fresh, working token.
        const login = await apiClient(platform.url).post('/v1/auth/login', { email: t.email, password: t.password });
        expect(login.status).toBe(200);
        expect((await apiClient(platform.url, { authorization: `Bearer ${login.body.access_token.token}` }).get('/v1/me')).status).toBe(200);
      } finally {
        clock.advance(-(12 * 3600 * 1000 + 1000));
      }
    });

    it('refuses an API key after its expiry', async () => {
      const expiresAt = new Date(clock.nowMs() + 3600_000).toISOString();
      const key = await a.api.post('/v1/api-keys', { name: 'short-lived', role: 'viewer', expires_at: expiresAt });
      expect(key.status).toBe(201);
      expect(key.body.api_key.expires_at).toBe(expiresAt);
      const keyApi = apiClient(platform.url, { authorization: `Bearer ${key.body.secret}` });
      expect((await keyApi.get('/v1/me')).status).toBe(200);
      clock.advance(3600_000);
      try {
        const res = await keyApi.get('/v1/me');
        expect(res.status).toBe(401);
        expect(res.body.error.message).toContain('expired');
      } finally {
        clock.advance(-3600_000);
      }
    });

    it('refuses a key with a bad checksum with no DynamoDB request at all', async () => {
      const key = await a.api.post('/v1/api-keys', { name: 'typo', role: 'viewer' });
      const secret: string = key.body.secret;
      const last = secret.at(-1) === 'A' ? 'B' : 'A';
      const typo = secret.slice(0, -1) + last;
      commands.length = 0;
      const res = await apiClient(platform.url, { authorization: `Bearer ${typo}` }).get('/v1/me');
      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain('malformed');
      expect(commands).toEqual([]);
      // The same key, typed right: one read to resolve, then the route's own work.
      commands.length = 0;
      expect((await apiClient(platform.url, { authorization: `Bearer ${secret}` }).get('/v1/me')).status).toBe(200);
      expect(commands[0]).toBe('ddb:QueryCommand');
    });

    it('writes last_used_at at most once a minute', async () => {
      const key = await a.api.post('/v1/api-keys', { name: 'busy', role: 'viewer' });
      const keyApi = apiClient(platform.url, { authorization: `Bearer ${key.body.secret}` });
      const lastUsed = async () => (await a.api.get('/v1/api-keys?limit=100')).body.items.find((k: { key_id: string }) => k.key_id === key.body.api_key.key_id).last_used_at;
      await keyApi.get('/v1/org');
      const first = await lastUsed();
      expect(first).toBe(new Date(clock.nowMs()).toISOString());
      clock.advance(30_000);
      commands.length = 0;
      await keyApi.get('/v1/org');
      expect(commands.filter((c) => c === 'ddb:UpdateCommand')).toEqual([]);
      expect(await lastUsed()).toBe(first);
      clock.advance(31_000);
      await keyApi.get('/v1/org');
      expect(await lastUsed()).toBe(new Date(clock.nowMs()).toISOString());
    });
  });

  describe('API3 broken object property level authorization', () => {
    it.each([
      ['POST', '/v1/api-keys', { name: 'k', role: 'viewer', org_id: 'x' }, 'org_id'],
      ['POST', '/v1/api-keys', { name: 'k', role: 'viewer', key_hash: 'x' }, 'key_hash'],
      ['PATCH', '/v1/org', { name: 'n', org_id: 'x' }, 'org_id'],
      ['PATCH', '/v1/org', { name: 'n', owner_count: 9 }, 'owner_count'],
      ['POST', '/v1/orgs', { name: 'n', org_id: 'x' }, 'org_id'],
      ['POST', '/v1/members', { email: 'x@example.com', role: 'viewer', org_id: 'x' }, 'org_id'],
      ['POST', '/v1/auth/signup', { email: 'smuggle@example.com', password: 'a long passphrase 42', name: 'n', org_name: 'o', role: 'owner' }, 'role'],
      ['POST', '/v1/auth/signup', { email: 'smuggle@example.com', password: 'a long passphrase 42', name: 'n', org_name: 'o', org_id: 'x' }, 'org_id'],
      ['POST', '/v1/auth/login', { email: 'x@example.com', password: 'p', org_id: 'x' }, 'org_id'],
      ['POST', '/v1/auth/logout', { all: true }, 'all'],
    ])('%s %s refuses the smuggled field', async (method, path, body, field) => {
      const res = await a.api.call(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toContainEqual({ path: field, message: 'unknown field' });
    });

    it('refuses a role smuggled into a member update alongside a user id', async () => {
      const res = await a.api.patch(`/v1/members/${a.user_id}`, { role: 'owner', user_id: b.user_id });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toContainEqual({ path: 'user_id', message: 'unknown field' });
    });
  });

  describe('API5 broken function level authorization', () => {
    it('refuses admin routes to a developer with 403', async () => {
      const dev = await addMember(platform.url, a, 'developer', 'a-dev');
      for (const res of [
        await dev.inOrg.get('/v1/access-logs'),
        await dev.inOrg.get('/v1/api-keys'),
        await dev.inOrg.post('/v1/api-keys', { name: 'k', role: 'developer' }),
        await dev.inOrg.post('/v1/members', { email: b.email, role: 'viewer' }),
        await dev.inOrg.patch('/v1/org', { name: 'mine now' }),
      ]) {
        expect(res.status).toBe(403);
      }
    });
  });
});
