import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { scanAll } from './helpers';

// Several organizations per user (chosen with X-Dagy-Org) and the access log.
describe('identity: organizations and access logs', () => {
  let platform: Platform;
  let tenant: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    tenant = await signUpTenant(platform.url, 'multi');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates another organization owned by the caller, with the default environments', async () => {
    const res = await tenant.api.post('/v1/orgs', { name: 'Second org' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ organization: { name: 'Second org' }, role: 'owner' });
    const second: string = res.body.organization.org_id;
    const envs = (await scanAll(platform, 'Environment')).filter((e) => e.org_id === second);
    expect(envs.map((e) => e.env_name).sort()).toEqual(['dev', 'production', 'staging']);

    // With two organizations, org-scoped routes need X-Dagy-Org; /me works without and lists both.
    const ambiguous = await tenant.api.get('/v1/org');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.code).toBe('org_required');
    const me = await tenant.api.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.organization).toBeNull();
    expect(me.body.role).toBeNull();
    expect(me.body.organizations.map((o: { org_id: string }) => o.org_id).sort()).toEqual([tenant.org_id, second].sort());

    const inSecond = tenant.api.withHeaders({ 'x-dagy-org': second });
    expect((await inSecond.get('/v1/org')).body.organization.name).toBe('Second org');
    expect((await inSecond.get('/v1/me')).body).toMatchObject({ organization: { org_id: second }, role: 'owner' });
    const renamed = await inSecond.patch('/v1/org', { name: 'Renamed second' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.organization.name).toBe('Renamed second');
    expect((await tenant.api.withHeaders({ 'x-dagy-org': tenant.org_id }).get('/v1/org')).body.organization.name).not.toBe('Renamed second');

    // Login lists both organizations.
    const login = await apiClient(platform.url).post('/v1/auth/login', { email: tenant.email, password: tenant.password });
    expect(login.body.organizations).toHaveLength(2);
  });

  it('lists the access log newest first, paginated, for admins', async () => {
    const solo = await signUpTenant(platform.url, 'logged');
    for (const path of ['/v1/me', '/v1/org', '/v1/members']) expect((await solo.api.get(path)).status).toBe(200);

    const first = await solo.api.get('/v1/access-logs?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    expect(first.body.items[0]).toMatchObject({ route: 'GET /v1/members', status: 200, principal_type: 'user', principal_id: solo.user_id, actor_email: solo.email });
    expect(first.body.items[1]).toMatchObject({ route: 'GET /v1/org' });
    const second = await solo.api.get(`/v1/access-logs?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0]).toMatchObject({ route: 'GET /v1/me' });
    const times = [...first.body.items, ...second.body.items].map((i: { request_time: string }) => i.request_time);
    expect([...times].sort().reverse()).toEqual(times);

    // Every item carries a TTL of 90 days.
    const stored = (await scanAll(platform, 'AccessLog')).filter((i) => i.org_id === solo.org_id);
    for (const item of stored) {
      expect(Number(item.expires_at_epoch) - Date.parse(String(item.request_time)) / 1000).toBeCloseTo(90 * 86400, -1);
    }
    // Only this organization's requests.
    expect(stored.every((i) => i.actor_email === solo.email)).toBe(true);
  });
});
