import { randomBytes } from 'node:crypto';
import { MissingSecretsError, keyProviderFromConfig, resolveSecrets } from '../../../lambdas/secrets/secret-resolver';
import { createRuntime } from '../../../lambdas/shared/runtime';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { addMember, auditedBy, parseJson, scanAll, type Member } from '../flows/helpers';

const secretValue = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

// Secrets through HTTP: envelope-encrypted, values out only through reveal (admins, audited),
// and never in a response, a log line or an audit record; resolution for runs.
describe('secrets API', () => {
  let platform: Platform;
  const logLines: string[] = [];
  let owner: TestTenant;
  let admin: Member;
  let developer: Member;
  let viewer: Member;
  let stranger: TestTenant;
  const values = { orgWide: secretValue('org'), staging: secretValue('stg'), replaced: secretValue('new'), db: secretValue('db') };

  beforeAll(async () => {
    platform = await startTestPlatform({ functionLogSink: (line) => logLines.push(line), log: (line) => logLines.push(line) });
    owner = await signUpTenant(platform.url, 'secrets');
    [admin, developer, viewer, stranger] = await Promise.all([
      addMember(platform.url, owner, 'admin'),
      addMember(platform.url, owner, 'developer'),
      addMember(platform.url, owner, 'viewer'),
      signUpTenant(platform.url, 'stranger'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates org-wide and environment-scoped secrets, answering metadata only (one audit record each)', async () => {
    const { result, records } = await auditedBy(platform, owner.org_id, async () => ({
      org: await admin.inOrg.post('/v1/secrets', { secret_name: 'API_TOKEN', value: values.orgWide }),
      scoped: await admin.inOrg.post('/v1/secrets', { secret_name: 'API_TOKEN', value: values.staging, environment: 'staging' }),
    }));
    expect(result.org.status).toBe(201);
    expect(result.org.body).toEqual({ secret_name: 'API_TOKEN', environment: null, created_by: admin.email, created_at: expect.any(String), updated_at: expect.any(String) });
    expect(result.scoped.status).toBe(201);
    expect(result.scoped.body.environment).toBe('staging');
    expect(records.map((r) => [r.resource_type, r.resource_id, r.action])).toEqual(
      expect.arrayContaining([['secret', 'API_TOKEN', 'create'], ['secret', 'staging/API_TOKEN', 'create']]),
    );
    expect(records).toHaveLength(2);
    // Metadata only: exactly these fields, no value and no sealed value either.
    for (const record of records) {
      expect(Object.keys(parseJson(record.after_json)).sort()).toEqual(['created_at', 'created_by', 'environment', 'secret_name', 'updated_at']);
    }

    expect((await admin.inOrg.post('/v1/secrets', { secret_name: 'API_TOKEN', value: 'again' })).status).toBe(409);
    const got = await developer.inOrg.get('/v1/secrets/API_TOKEN?environment=staging');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(result.scoped.body);
    expect((await developer.inOrg.get('/v1/secrets/API_TOKEN?environment=dev')).status).toBe(404);
    const all = await developer.inOrg.get('/v1/secrets');
    expect(all.body.items.map((s: { environment: string | null }) => s.environment)).toEqual([null, 'staging']);
    const staging = await developer.inOrg.get('/v1/secrets?environment=staging');
    expect(staging.body.items).toHaveLength(1);
  });

  it('refuses bad input and the wrong roles, writing nothing', async () => {
    const { result, records } = await auditedBy(platform, owner.org_id, async () => ({
      unknownEnv: await admin.inOrg.post('/v1/secrets', { secret_name: 'X', value: 'v', environment: 'mars' }),
      badName: await admin.inOrg.post('/v1/secrets', { secret_name: 'has space', value: 'v' }),
      longName: await admin.inOrg.post('/v1/secrets', { secret_name: 's'.repeat(129), value: 'v' }),
      empty: await admin.inOrg.post('/v1/secrets', { secret_name: 'X', value: '' }),
      huge: await admin.inOrg.post('/v1/secrets', { secret_name: 'X', value: 'v'.repeat(40_000) }),
      unknownField: await admin.inOrg.post('/v1/secrets', { secret_name: 'X', value: 'v', note: 'hi' }),
      byDeveloper: await developer.inOrg.post('/v1/secrets', { secret_name: 'X', value: 'v' }),
      putByDeveloper: await developer.inOrg.put('/v1/secrets/API_TOKEN', { value: 'v' }),
      deleteByDeveloper: await developer.inOrg.delete('/v1/secrets/API_TOKEN'),
      readByViewer: await viewer.inOrg.get('/v1/secrets'),
    }));
    const path = (res: { body: any }) => res.body.error.details[0].path;
    expect([result.unknownEnv.status, path(result.unknownEnv)]).toEqual([400, 'environment']);
    expect([result.badName.status, path(result.badName)]).toEqual([400, 'secret_name']);
    expect([result.longName.status, path(result.longName)]).toEqual([400, 'secret_name']);
    expect([result.empty.status, path(result.empty)]).toEqual([400, 'value']);
    expect([result.huge.status, path(result.huge)]).toEqual([400, 'value']);
    expect([result.unknownField.status, path(result.unknownField)]).toEqual([400, 'note']);
    for (const res of [result.byDeveloper, result.putByDeveloper, result.deleteByDeveloper, result.readByViewer]) expect(res.status).toBe(403);
    expect(records).toHaveLength(0);
    expect((await developer.inOrg.get('/v1/secrets/X')).status).toBe(404);
  });

  it('reveals to admins only, audited without the value; PUT replaces (or creates) a value', async () => {
    expect((await developer.inOrg.post('/v1/secrets/API_TOKEN/reveal')).status).toBe(403);
    const { result: revealed, records } = await auditedBy(platform, owner.org_id, () => admin.inOrg.post('/v1/secrets/API_TOKEN/reveal', { environment: 'staging' }));
    expect(revealed.status).toBe(200);
    expect(revealed.body).toMatchObject({ secret_name: 'API_TOKEN', environment: 'staging', value: values.staging });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'secret', resource_id: 'staging/API_TOKEN', action: 'reveal', actor_email: admin.email });
    expect((await owner.api.post('/v1/secrets/API_TOKEN/reveal')).body.value).toBe(values.orgWide);
    expect((await owner.api.post('/v1/secrets/API_TOKEN/reveal?environment=staging')).body.value).toBe(values.staging);

    const replaced = await auditedBy(platform, owner.org_id, () => admin.inOrg.put('/v1/secrets/API_TOKEN', { value: values.replaced }));
    expect(replaced.result.status).toBe(200);
    expect(replaced.records).toHaveLength(1);
    expect(replaced.records[0]).toMatchObject({ action: 'update', resource_id: 'API_TOKEN' });
    expect(parseJson(replaced.records[0]!.before_json).created_by).toBe(admin.email);
    expect((await owner.api.post('/v1/secrets/API_TOKEN/reveal')).body.value).toBe(values.replaced);

    const createdByPut = await admin.inOrg.put('/v1/secrets/DB_URL', { value: values.db, environment: 'production' });
    expect(createdByPut.status).toBe(201);
    expect((await admin.inOrg.post('/v1/secrets/DB_URL/reveal')).status).toBe(404);
    expect((await admin.inOrg.post('/v1/secrets/DB_URL/reveal', { environment: 'production' })).body.value).toBe(values.db);
    expect((await admin.inOrg.post('/v1/secrets/DB_URL/reveal?environment=dev', { environment: 'production' })).status).toBe(400);
  });

  it('resolves secrets for a run: environment-scoped beats org-wide, missing names are named', async () => {
    const runtime = createRuntime('http-secrets', platform.envFor('http-secrets'));
    const deps = { ddb: runtime.aws.ddb, secretTable: platform.resources.tables.Secret, keyProvider: keyProviderFromConfig(runtime) };
    expect(await resolveSecrets(deps, owner.org_id, 'staging', ['API_TOKEN'])).toEqual({ API_TOKEN: values.staging });
    expect(await resolveSecrets(deps, owner.org_id, 'dev', ['API_TOKEN'])).toEqual({ API_TOKEN: values.replaced });
    expect(await resolveSecrets(deps, owner.org_id, null, ['API_TOKEN'])).toEqual({ API_TOKEN: values.replaced });
    expect(await resolveSecrets(deps, owner.org_id, 'production', ['API_TOKEN', 'DB_URL', 'API_TOKEN'])).toEqual({ API_TOKEN: values.replaced, DB_URL: values.db });
    expect(await resolveSecrets(deps, owner.org_id, 'dev', [])).toEqual({});
    const missing = resolveSecrets(deps, owner.org_id, 'dev', ['API_TOKEN', 'DB_URL', 'NOPE']);
    await expect(missing).rejects.toBeInstanceOf(MissingSecretsError);
    await expect(missing).rejects.toMatchObject({ names: ['DB_URL', 'NOPE'] });
    // Another organization's secrets are not there for this org.
    await expect(resolveSecrets(deps, stranger.org_id, null, ['API_TOKEN'])).rejects.toMatchObject({ names: ['API_TOKEN'] });
  });

  it('deletes (audited) and hides secrets from other organizations', async () => {
    for (const res of [
      await stranger.api.get('/v1/secrets/API_TOKEN'),
      await stranger.api.post('/v1/secrets/API_TOKEN/reveal'),
      await stranger.api.delete('/v1/secrets/API_TOKEN'),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await stranger.api.get('/v1/secrets')).body.items).toEqual([]);
    const { result, records } = await auditedBy(platform, owner.org_id, () => admin.inOrg.delete('/v1/secrets/API_TOKEN?environment=staging'));
    expect(result.status).toBe(204);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_id: 'staging/API_TOKEN', action: 'delete', after_json: null });
    expect((await admin.inOrg.post('/v1/secrets/API_TOKEN/reveal', { environment: 'staging' })).status).toBe(404);
    expect((await admin.inOrg.delete('/v1/secrets/API_TOKEN?environment=staging')).status).toBe(404);
    expect((await admin.inOrg.get('/v1/secrets/API_TOKEN')).status).toBe(200);
  });

  it('never lets a secret value reach a stored item in clear, a log line or an audit record', async () => {
    const everyValue = Object.values(values);
    const secrets = await scanAll(platform, 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const item of secrets) {
      expect(item.encrypted_value).toMatch(/^gAAAAA/); // a Fernet token
      expect(item.encrypted_data_key).toEqual(expect.any(String));
    }
    const stored = JSON.stringify([secrets, await scanAll(platform, 'AuditLog'), await scanAll(platform, 'AccessLog')]);
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const value of everyValue) {
      expect(stored).not.toContain(value);
      expect(logs).not.toContain(value);
    }
  });
});

describe('audit log API', () => {
  let platform: Platform;
  let owner: TestTenant;
  let developer: Member;
  let stranger: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'audit');
    [developer, stranger] = await Promise.all([addMember(platform.url, owner, 'developer'), signUpTenant(platform.url, 'stranger')]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers a resource trail newest first, paginated, and time ranges; admins only', async () => {
    const start = new Date().toISOString();
    expect((await owner.api.post('/v1/secrets', { secret_name: 'TRAIL', value: 'one' })).status).toBe(201);
    expect((await owner.api.put('/v1/secrets/TRAIL', { value: 'two' })).status).toBe(200);
    expect((await owner.api.post('/v1/secrets', { secret_name: 'OTHER', value: 'x' })).status).toBe(201);
    expect((await owner.api.delete('/v1/secrets/TRAIL')).status).toBe(204);

    const trail: Array<{ action: string; resource_id: string; event_time: string }> = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await owner.api.get(`/v1/audit-logs?resource_type=secret&resource_id=TRAIL&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      trail.push(...res.body.items);
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(trail.map((r) => r.action)).toEqual(['delete', 'update', 'create']);
    expect(trail.every((r) => r.resource_id === 'TRAIL')).toBe(true);
    expect((trail[0] as unknown as { resource_key?: string }).resource_key).toBeUndefined();

    const ranged = await owner.api.get(`/v1/audit-logs?from=${encodeURIComponent(start)}&to=${encodeURIComponent(new Date().toISOString())}`);
    expect(ranged.status).toBe(200);
    expect(ranged.body.items.map((r: { action: string }) => r.action)).toEqual(['delete', 'create', 'update', 'create']);
    const times = ranged.body.items.map((r: { event_time: string }) => r.event_time);
    expect(times).toEqual([...times].sort().reverse());
    const past = await owner.api.get('/v1/audit-logs?to=2000-01-01T00:00:00Z');
    expect(past.body.items).toEqual([]);
    const everything = await owner.api.get('/v1/audit-logs?limit=100');
    expect(everything.body.items.length).toBeGreaterThanOrEqual(4);

    expect((await developer.inOrg.get('/v1/audit-logs')).status).toBe(403);
    expect((await owner.api.get('/v1/audit-logs?resource_type=secret')).status).toBe(400);
    expect((await owner.api.get('/v1/audit-logs?from=yesterday')).status).toBe(400);
    expect((await owner.api.get('/v1/audit-logs?verbose=1')).status).toBe(400);
    const theirs = await stranger.api.get('/v1/audit-logs?resource_type=secret&resource_id=TRAIL');
    expect(theirs.body.items).toEqual([]);
    const forged = await stranger.api.get(`/v1/audit-logs?cursor=${Buffer.from(JSON.stringify({ org_id: owner.org_id, event_time: '9' })).toString('base64url')}`);
    expect(forged.status).toBe(400);
  });
});
