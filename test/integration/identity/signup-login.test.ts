import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Platform } from '../../../local/platform';
import { signUpTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { documentClient } from './helpers';

// The core journey through the HTTP API: sign up → log in → API key → /me with it → revoke → 401.
describe('identity: signup, login, API keys, logout', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('signs up a user with an organization they own and a working access token', async () => {
    const anon = apiClient(platform.url);
    const res = await anon.post('/v1/auth/signup', { email: ' Ada@Example.COM ', password: 'a long passphrase 42', name: 'Ada', org_name: 'Analytical' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(res.body.organization).toMatchObject({ name: 'Analytical' });
    expect(res.body.role).toBe('owner');
    expect(res.body.access_token.token).toMatch(/^dagy_at_/);
    expect(Date.parse(res.body.access_token.expires_at) - Date.now()).toBeGreaterThan(11 * 3600 * 1000);

    const api = apiClient(platform.url, { authorization: `Bearer ${res.body.access_token.token}` });
    const me = await api.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      principal_type: 'user',
      user: { user_id: res.body.user.user_id, email: 'ada@example.com' },
      organization: { org_id: res.body.organization.org_id, name: 'Analytical' },
      role: 'owner',
      api_key: null,
    });
    expect(me.body.organizations).toEqual([{ org_id: res.body.organization.org_id, name: 'Analytical', role: 'owner' }]);
  });

  it('goes sign up → log in → create an API key → /me with it → revoke it → 401', async () => {
    const tenant = await signUpTenant(platform.url, 'journey');
    const login = await apiClient(platform.url).post('/v1/auth/login', { email: tenant.email.toUpperCase(), password: tenant.password });
    expect(login.status).toBe(200);
    expect(login.body.user.user_id).toBe(tenant.user_id);
    expect(login.body.organizations).toEqual([expect.objectContaining({ org_id: tenant.org_id, role: 'owner' })]);
    const session = apiClient(platform.url, { authorization: `Bearer ${login.body.access_token.token}` });

    const created = await session.post('/v1/api-keys', { name: 'ci', role: 'developer' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^dagy_key_[0-9A-Za-z]{36}$/);
    expect(created.body.api_key).toMatchObject({ name: 'ci', role: 'developer', created_by: tenant.email, last_used_at: null });
    expect(created.body.secret.startsWith(created.body.api_key.prefix)).toBe(true);
    const keyId: string = created.body.api_key.key_id;

    const keyApi = apiClient(platform.url, { authorization: `Bearer ${created.body.secret}` });
    const me = await keyApi.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal_type: 'api_key', user: null, role: 'developer', organization: { org_id: tenant.org_id } });
    expect(me.body.api_key.key_id).toBe(keyId);
    expect(me.body.api_key.last_used_at).not.toBeNull();

    // The secret is shown once: listings carry only the prefix.
    const list = await session.get('/v1/api-keys');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    expect(list.body.items.map((k: { key_id: string }) => k.key_id)).toEqual([keyId]);

    expect((await session.delete(`/v1/api-keys/${keyId}`)).status).toBe(204);
    const after = await keyApi.get('/v1/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');

    expect((await session.post('/v1/auth/logout')).status).toBe(204);
    const loggedOut = await session.get('/v1/me');
    expect(loggedOut.status).toBe(401);
    expect(loggedOut.body.error.message).toContain('revoked');
    // The signup token is a separate session and still works.
    expect((await tenant.api.get('/v1/me')).status).toBe(200);
  });

  it('gives every new organization dev, staging and production (protected)', async () => {
    const tenant = await signUpTenant(platform.url, 'envs');
    const envs = await documentClient(platform).send(
      new QueryCommand({ TableName: platform.resources.tables.Environment, KeyConditionExpression: 'org_id = :o', ExpressionAttributeValues: { ':o': tenant.org_id } }),
    );
    const byName = Object.fromEntries((envs.Items ?? []).map((e) => [String(e.env_name), e]));
    expect(Object.keys(byName).sort()).toEqual(['dev', 'production', 'staging']);
    expect(byName.production).toMatchObject({ is_protected: true, default_executor: 'lambda', config_json: '{}' });
    expect(byName.dev).toMatchObject({ is_protected: false });
    expect(typeof byName.dev.created_at).toBe('string');
  });
});
