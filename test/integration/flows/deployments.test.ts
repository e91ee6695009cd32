import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addMember, auditedBy, documentClient, httpRegistration, parseJson, scanAll, type Member } from './helpers';

// Deployments through HTTP: pinning, versions, protection, pause/resume, promotion, audit.
describe('deployments API', () => {
  let platform: Platform;
  let owner: TestTenant;
  let admin: Member;
  let developer: Member;
  let viewer: Member;
  let stranger: TestTenant;

  const deploy = (client: { post: TestTenant['api']['post'] }, body: Record<string, unknown>) =>
    client.post('/v1/deployments', { flow_name: 'etl', flow_version: '1.0.0', environment: 'dev', ...body });

  /** The Schedule item a deployment's `schedule` keeps in step (written in the deployment's transaction). */
  const managedSchedule = async (deploymentName: string) =>
    (await documentClient(platform).send(
      new GetCommand({ TableName: platform.resources.tables.Schedule, Key: { org_id: owner.org_id, schedule_id: `dep-${deploymentName}` } }),
    )).Item;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'deploy');
    [admin, developer, viewer, stranger] = await Promise.all([
      addMember(platform.url, owner, 'admin'),
      addMember(platform.url, owner, 'developer'),
      addMember(platform.url, owner, 'viewer'),
      signUpTenant(platform.url, 'stranger'),
    ]);
    for (const v of ['1.0.0', '1.1.0']) expect((await owner.api.post('/v1/flows', httpRegistration('etl', v))).status).toBe(201);
    expect((await owner.api.post('/v1/flows', httpRegistration('retired', '1.0.0'))).status).toBe(201);
    expect((await owner.api.patch('/v1/flows/retired/versions/1.0.0', { status: 'INACTIVE' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates a deployment pinning an ACTIVE version, with one audit record', async () => {
    const { result: res, records } = await auditedBy(platform, owner.org_id, () =>
      deploy(developer.inOrg, { deployment_name: 'etl-dev', parameters: { day: '2026-01-01' }, tags: { team: 'data' }, schedule: '*/5 * * * *' }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toEqual({
      deployment_name: 'etl-dev',
      flow_name: 'etl',
      flow_version: '1.0.0',
      environment: 'dev',
      schedule: '*/5 * * * *',
      default_executor: 'lambda',
      tags: { team: 'data' },
      parameters: { day: '2026-01-01' },
      max_concurrent_runs: null,
      status: 'ACTIVE',
      deployment_version: 1,
      created_by: developer.email,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'deployment', resource_id: 'etl-dev', action: 'create', before_json: null, actor_email: developer.email });
    expect(parseJson(records[0]!.after_json)).toEqual(res.body);
    expect((await viewer.inOrg.get('/v1/deployments/etl-dev')).body.flow_version).toBe('1.0.0');
    expect(await managedSchedule('etl-dev')).toMatchObject({ cron_expression: '*/5 * * * *', enabled: true, deployment_name: 'etl-dev' });
    expect((await deploy(viewer.inOrg, { deployment_name: 'by-viewer' })).status).toBe(403);
  });

  it('refuses missing or INACTIVE versions, unknown environments, bad schedules, names and fields, writing nothing', async () => {
    const before = (await scanAll(platform, 'Deployment')).length;
    const { result, records } = await auditedBy(platform, owner.org_id, async () => ({
      noVersion: await deploy(developer.inOrg, { deployment_name: 'x1', flow_version: '9.9.9' }),
      inactive: await deploy(developer.inOrg, { deployment_name: 'x2', flow_name: 'retired' }),
      noEnv: await deploy(developer.inOrg, { deployment_name: 'x3', environment: 'mars' }),
      schedule: await deploy(developer.inOrg, { deployment_name: 'x4', schedule: '61 * * * *' }),
      sixFields: await deploy(developer.inOrg, { deployment_name: 'x5', schedule: '0 0 * * * *' }),
      name: await deploy(developer.inOrg, { deployment_name: 'no spaces allowed' }),
      long: await deploy(developer.inOrg, { deployment_name: 'd'.repeat(129) }),
      unknown: await deploy(developer.inOrg, { deployment_name: 'x6', color: 'blue' }),
      executor: await deploy(developer.inOrg, { deployment_name: 'x7', default_executor: 'kubernetes' }),
      duplicate: await deploy(developer.inOrg, { deployment_name: 'etl-dev' }),
    }));
    const detail = (res: { body: any }) => res.body.error.details[0];
    expect(result.noVersion.status).toBe(400);
    expect(detail(result.noVersion)).toEqual({ path: 'flow_version', message: 'flow etl has no version 9.9.9' });
    expect(result.inactive.status).toBe(400);
    expect(detail(result.inactive).message).toContain('INACTIVE');
    expect(result.noEnv.status).toBe(400);
    expect(detail(result.noEnv).path).toBe('environment');
    for (const res of [result.schedule, result.sixFields]) {
      expect(res.status).toBe(400);
      expect(detail(res).path).toBe('schedule');
    }
    for (const [res, path] of [[result.name, 'deployment_name'], [result.long, 'deployment_name'], [result.unknown, 'color'], [result.executor, 'default_executor']] as const) {
      expect(res.status).toBe(400);
      expect(detail(res).path).toBe(path);
    }
    expect(result.duplicate.status).toBe(409);
    expect(records).toHaveLength(0);
    expect((await scanAll(platform, 'Deployment')).length).toBe(before);
  });

  it('increments deployment_version on every change and refuses a stale one with 412', async () => {
    expect((await deploy(developer.inOrg, { deployment_name: 'versioned', parameters: { a: 1 } })).status).toBe(201);
    const { result: changed, records } = await auditedBy(platform, owner.org_id, () =>
      developer.inOrg.patch('/v1/deployments/versioned', { flow_version: '1.1.0', schedule: '0 3 * * *' }, { 'if-match': '"1"' }),
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ flow_version: '1.1.0', schedule: '0 3 * * *', deployment_version: 2, parameters: { a: 1 } });
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(records).toHaveLength(1);
    expect(parseJson(records[0]!.before_json)).toMatchObject({ flow_version: '1.0.0', deployment_version: 1, schedule: null });
    expect(parseJson(records[0]!.after_json)).toMatchObject({ flow_version: '1.1.0', deployment_version: 2, schedule: '0 3 * * *' });

    const stale = await developer.inOrg.patch('/v1/deployments/versioned', { parameters: { a: 2 } }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const staleBody = await developer.inOrg.patch('/v1/deployments/versioned', { parameters: { a: 2 }, deployment_version: 1 });
    expect(staleBody.status).toBe(412);

    const noop = await auditedBy(platform, owner.org_id, () => developer.inOrg.patch('/v1/deployments/versioned', { flow_version: '1.1.0' }));
    expect(noop.result.body.deployment_version).toBe(2);
    expect(noop.records).toHaveLength(0);

    expect(await managedSchedule('versioned')).toMatchObject({ cron_expression: '0 3 * * *', enabled: true });
    const cleared = await developer.inOrg.patch('/v1/deployments/versioned', { schedule: null, deployment_version: 2 });
    expect(cleared.body).toMatchObject({ schedule: null, deployment_version: 3 });
    expect(await managedSchedule('versioned')).toBeUndefined();
    expect((await developer.inOrg.patch('/v1/deployments/versioned', { flow_name: 'retired', flow_version: '1.0.0' })).status).toBe(400);
    expect((await developer.inOrg.patch('/v1/deployments/versioned', { status: 'PAUSED' })).status).toBe(400);
    expect((await developer.inOrg.patch('/v1/deployments/versioned', { schedule: 'every day' })).status).toBe(400);
    expect((await developer.inOrg.get('/v1/deployments/versioned')).body.deployment_version).toBe(3);
  });

  it('pauses and resumes (audited, idempotent)', async () => {
    expect((await deploy(developer.inOrg, { deployment_name: 'pausable' })).status).toBe(201);
    const paused = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/deployments/pausable/pause'));
    expect(paused.result.status).toBe(200);
    expect(paused.result.body).toMatchObject({ status: 'PAUSED', deployment_version: 2 });
    expect(paused.records).toHaveLength(1);
    expect(parseJson(paused.records[0]!.before_json).status).toBe('ACTIVE');
    expect(parseJson(paused.records[0]!.after_json).status).toBe('PAUSED');

    const again = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/deployments/pausable/pause'));
    expect(again.result.body).toMatchObject({ status: 'PAUSED', deployment_version: 2 });
    expect(again.records).toHaveLength(0);
    expect((await developer.inOrg.post('/v1/deployments/pausable/resume', { deployment_version: 1 })).status).toBe(412);
    const resumed = await developer.inOrg.post('/v1/deployments/pausable/resume', { deployment_version: 2 });
    expect(resumed.body).toMatchObject({ status: 'ACTIVE', deployment_version: 3 });
    expect((await viewer.inOrg.post('/v1/deployments/pausable/pause')).status).toBe(403);
    expect((await developer.inOrg.post('/v1/deployments/nope/pause')).status).toBe(404);
  });

  it('keeps protected environments to admins: deploy, change, pause, delete', async () => {
    const byDeveloper = await deploy(developer.inOrg, { deployment_name: 'etl-prod', environment: 'production' });
    expect(byDeveloper.status).toBe(403);
    expect((await developer.inOrg.get('/v1/deployments/etl-prod')).status).toBe(404);
    const byAdmin = await deploy(admin.inOrg, { deployment_name: 'etl-prod', environment: 'production' });
    expect(byAdmin.status).toBe(201);
    for (const res of [
      await developer.inOrg.patch('/v1/deployments/etl-prod', { flow_version: '1.1.0' }),
      await developer.inOrg.post('/v1/deployments/etl-prod/pause'),
      await developer.inOrg.delete('/v1/deployments/etl-prod'),
      await developer.inOrg.patch('/v1/deployments/etl-dev', { environment: 'production' }),
    ]) {
      expect(res.status).toBe(403);
    }
    expect((await developer.inOrg.get('/v1/deployments/etl-prod')).body.deployment_version).toBe(1);
    expect((await admin.inOrg.post('/v1/deployments/etl-prod/pause')).body.status).toBe('PAUSED');
  });

  it('promotes into the environment’s deployment: creates <base>-<env>, then updates only its flow version', async () => {
    expect((await deploy(developer.inOrg, { deployment_name: 'report-dev', parameters: { p: 'dev' }, schedule: '0 * * * *' })).status).toBe(201);
    const { result: created, records } = await auditedBy(platform, owner.org_id, () =>
      developer.inOrg.post('/v1/deployments/report-dev/promote', { to_environment: 'staging' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      deployment_name: 'report-staging',
      environment: 'staging',
      flow_name: 'etl',
      flow_version: '1.0.0',
      parameters: { p: 'dev' },
      schedule: '0 * * * *',
      status: 'ACTIVE',
      deployment_version: 1,
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'deployment', resource_id: 'report-staging', action: 'promote', before_json: null });
    expect(await managedSchedule('report-staging')).toMatchObject({ cron_expression: '0 * * * *', enabled: true });

    const toProdByDeveloper = await developer.inOrg.post('/v1/deployments/report-staging/promote', { to_environment: 'production' });
    expect(toProdByDeveloper.status).toBe(403);
    expect((await owner.api.get('/v1/deployments/report-production')).status).toBe(404);

    // The staging deployment has its own parameters; a later promotion only moves the version.
    expect((await developer.inOrg.patch('/v1/deployments/report-staging', { parameters: { p: 'staging' } })).status).toBe(200);
    expect((await developer.inOrg.patch('/v1/deployments/report-dev', { flow_version: '1.1.0' })).status).toBe(200);
    const updated = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/deployments/report-dev/promote', { to_environment: 'staging' }));
    expect(updated.result.status).toBe(200);
    expect(updated.result.body).toMatchObject({ deployment_name: 'report-staging', flow_version: '1.1.0', parameters: { p: 'staging' }, deployment_version: 3 });
    expect(updated.records).toHaveLength(1);
    expect(parseJson(updated.records[0]!.before_json).flow_version).toBe('1.0.0');
    expect(parseJson(updated.records[0]!.after_json).flow_version).toBe('1.1.0');

    const toProd = await admin.inOrg.post('/v1/deployments/report-staging/promote', { to_environment: 'production' });
    expect(toProd.status).toBe(201);
    expect(toProd.body).toMatchObject({ deployment_name: 'report-production', environment: 'production', flow_version: '1.1.0' });

    expect((await developer.inOrg.post('/v1/deployments/report-dev/promote', { to_environment: 'dev' })).status).toBe(400);
    expect((await developer.inOrg.post('/v1/deployments/report-dev/promote', { to_environment: 'mars' })).status).toBe(400);
    expect((await developer.inOrg.post('/v1/deployments/report-dev/promote', {})).status).toBe(400);
    expect((await developer.inOrg.post('/v1/deployments/report-dev/promote', { to_environment: 'staging', deployment_version: 1 })).status).toBe(412);
  });

  it('disables a paused deployment’s schedule and removes a deleted one’s', async () => {
    expect((await deploy(developer.inOrg, { deployment_name: 'nightly', schedule: '0 2 * * *' })).status).toBe(201);
    expect((await developer.inOrg.post('/v1/deployments/nightly/pause')).status).toBe(200);
    expect(await managedSchedule('nightly')).toMatchObject({ enabled: false });
    expect((await developer.inOrg.post('/v1/deployments/nightly/resume')).status).toBe(200);
    expect(await managedSchedule('nightly')).toMatchObject({ enabled: true });
    expect((await developer.inOrg.delete('/v1/deployments/nightly')).status).toBe(204);
    expect(await managedSchedule('nightly')).toBeUndefined();
  });

  it('deletes (audited), lists with filters and pages, and hides everything from other orgs', async () => {
    expect((await deploy(developer.inOrg, { deployment_name: 'doomed' })).status).toBe(201);
    const { result: deleted, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.delete('/v1/deployments/doomed'));
    expect(deleted.status).toBe(204);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_id: 'doomed', action: 'delete', after_json: null });
    expect(parseJson(records[0]!.before_json).deployment_name).toBe('doomed');
    expect((await developer.inOrg.get('/v1/deployments/doomed')).status).toBe(404);
    expect((await developer.inOrg.delete('/v1/deployments/doomed')).status).toBe(404);

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: any } = await viewer.inOrg.get(`/v1/deployments?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...res.body.items.map((d: { deployment_name: string }) => d.deployment_name));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['etl-dev', 'etl-prod', 'pausable', 'report-dev', 'report-production', 'report-staging', 'versioned']));
    expect(all).not.toContain('doomed');

    const staging = await viewer.inOrg.get('/v1/deployments?environment=staging');
    expect(staging.body.items.map((d: { deployment_name: string }) => d.deployment_name)).toEqual(['report-staging']);
    const paused = await viewer.inOrg.get('/v1/deployments?status=PAUSED&flow_name=etl');
    expect(paused.body.items.map((d: { deployment_name: string }) => d.deployment_name)).toEqual(['etl-prod']);
    expect((await viewer.inOrg.get('/v1/deployments?status=STOPPED')).status).toBe(400);

    for (const res of [
      await stranger.api.get('/v1/deployments/etl-dev'),
      await stranger.api.patch('/v1/deployments/etl-dev', { parameters: {} }),
      await stranger.api.post('/v1/deployments/etl-dev/pause'),
      await stranger.api.delete('/v1/deployments/etl-dev'),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await stranger.api.get('/v1/deployments')).body.items).toEqual([]);
    // Another org cannot pin this org's flow either: it does not exist for them.
    expect((await deploy(stranger.api, { deployment_name: 'theft' })).status).toBe(400);
  });
});
