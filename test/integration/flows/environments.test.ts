import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { addMember, auditedBy, httpRegistration, parseJson, type Member } from './helpers';

// Environments through HTTP: the defaults of a new org, admin management, protection, in-use.
describe('environments API', () => {
  let platform: Platform;
  let owner: TestTenant;
  let admin: Member;
  let developer: Member;
  let stranger: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'envs');
    [admin, developer, stranger] = await Promise.all([
      addMember(platform.url, owner, 'admin'),
      addMember(platform.url, owner, 'developer'),
      signUpTenant(platform.url, 'stranger'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('gives every new organization dev, staging and a protected production', async () => {
    const res = await developer.inOrg.get('/v1/environments');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.items.map((e: { env_name: string; is_protected: boolean }) => [e.env_name, e.is_protected]));
    expect(byName).toEqual({ dev: false, staging: false, production: true });
    const prod = await developer.inOrg.get('/v1/environments/production');
    expect(prod.body).toMatchObject({ env_name: 'production', is_protected: true, config_json: '{}', default_executor: 'lambda' });
    expect(prod.body.revision).toBeUndefined();
    expect(prod.body.deployment_count).toBeUndefined();
  });

  it('lets admins create and change environments (audited) and nobody below', async () => {
    const { result: created, records } = await auditedBy(platform, owner.org_id, () =>
      admin.inOrg.post('/v1/environments', { env_name: 'qa', default_executor: 'step-functions', config_json: '{"region":"eu-west-1"}' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ env_name: 'qa', default_executor: 'step-functions', config_json: '{"region":"eu-west-1"}', is_protected: false });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'environment', resource_id: 'qa', action: 'create', before_json: null });

    expect((await admin.inOrg.post('/v1/environments', { env_name: 'qa' })).status).toBe(409);
    expect((await developer.inOrg.post('/v1/environments', { env_name: 'dev2' })).status).toBe(403);
    expect((await developer.inOrg.patch('/v1/environments/qa', { is_protected: true })).status).toBe(403);
    expect((await developer.inOrg.delete('/v1/environments/qa')).status).toBe(403);
    for (const [body, path] of [
      [{ env_name: 'has space' }, 'env_name'],
      [{ env_name: 'e'.repeat(129) }, 'env_name'],
      [{ env_name: 'ok', config_json: '[1,2]' }, 'config_json'],
      [{ env_name: 'ok', config_json: 'not json' }, 'config_json'],
      [{ env_name: 'ok', is_protected: 'yes' }, 'is_protected'],
      [{ env_name: 'ok', extra: 1 }, 'extra'],
    ] as const) {
      const res = await admin.inOrg.post('/v1/environments', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe(path);
    }

    const changed = await auditedBy(platform, owner.org_id, () => admin.inOrg.patch('/v1/environments/qa', { is_protected: true, default_executor: 'ecs' }));
    expect(changed.result.status).toBe(200);
    expect(changed.result.body).toMatchObject({ is_protected: true, default_executor: 'ecs', config_json: '{"region":"eu-west-1"}' });
    expect(changed.records).toHaveLength(1);
    expect(parseJson(changed.records[0]!.before_json)).toMatchObject({ is_protected: false, default_executor: 'step-functions' });
    expect(parseJson(changed.records[0]!.after_json)).toMatchObject({ is_protected: true, default_executor: 'ecs' });
    const noop = await auditedBy(platform, owner.org_id, () => admin.inOrg.patch('/v1/environments/qa', { is_protected: true }));
    expect(noop.result.status).toBe(200);
    expect(noop.records).toHaveLength(0);

    // The environments written at org creation change the same way (twice: the revision moves on).
    expect((await admin.inOrg.patch('/v1/environments/staging', { config_json: '{"tier":"s"}' })).body.config_json).toBe('{"tier":"s"}');
    expect((await admin.inOrg.patch('/v1/environments/staging', { default_executor: 'ecs' })).body).toMatchObject({ config_json: '{"tier":"s"}', default_executor: 'ecs' });
    expect((await admin.inOrg.patch('/v1/environments/staging', { env_name: 'renamed' })).status).toBe(400);
    expect((await admin.inOrg.patch('/v1/environments/nowhere', { is_protected: true })).status).toBe(404);
  });

  it('refuses to delete production (409) even for the owner, and any environment a deployment uses', async () => {
    const { result: prod, records } = await auditedBy(platform, owner.org_id, () => owner.api.delete('/v1/environments/production'));
    expect(prod.status).toBe(409);
    expect(prod.body.error.code).toBe('environment_protected');
    expect(records).toHaveLength(0);
    expect((await owner.api.get('/v1/environments/production')).status).toBe(200);

    expect((await owner.api.post('/v1/flows', httpRegistration('etl', '1.0.0'))).status).toBe(201);
    expect((await owner.api.post('/v1/environments', { env_name: 'temp' })).status).toBe(201);
    expect((await developer.inOrg.post('/v1/deployments', { deployment_name: 'etl-temp', flow_name: 'etl', flow_version: '1.0.0', environment: 'temp' })).status).toBe(201);
    const inUse = await admin.inOrg.delete('/v1/environments/temp');
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('environment_in_use');

    // Moving the deployment away frees the environment (counts follow every binding change).
    expect((await developer.inOrg.patch('/v1/deployments/etl-temp', { environment: 'dev' })).status).toBe(200);
    const deleted = await auditedBy(platform, owner.org_id, () => admin.inOrg.delete('/v1/environments/temp'));
    expect(deleted.result.status).toBe(204);
    expect(deleted.records).toHaveLength(1);
    expect(deleted.records[0]).toMatchObject({ resource_id: 'temp', action: 'delete', after_json: null });
    expect((await admin.inOrg.get('/v1/environments/temp')).status).toBe(404);
    expect((await developer.inOrg.post('/v1/deployments', { deployment_name: 'etl-gone', flow_name: 'etl', flow_version: '1.0.0', environment: 'temp' })).status).toBe(400);
  });

  it('hides environments from other organizations', async () => {
    expect((await stranger.api.get('/v1/environments/qa')).status).toBe(404);
    expect((await stranger.api.patch('/v1/environments/qa', { is_protected: false })).status).toBe(404);
    expect((await stranger.api.delete('/v1/environments/qa')).status).toBe(404);
    const theirs = await stranger.api.get('/v1/environments');
    expect(theirs.body.items.map((e: { env_name: string }) => e.env_name).sort()).toEqual(['dev', 'production', 'staging']);
  });
});
