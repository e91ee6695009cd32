// Who and what may start a run, on the local platform (real identity, flows, secrets, schedules,
// sensors and run starter; the run state machine replaced by a recorder), with an injected clock:
// declared secrets must exist, and protected deployments are started through the API by admins.
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { addMember, signUpTenant, type Member, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { FLOW_SPEC, listRuns, recordExecutions, registerFlow } from '../scheduling/api-support';
import { epoch } from '../scheduling/support';

// After the real time: DynamoDB Local's TTL sweeper deletes records whose expiry is in the real past.
const START = epoch('2030-03-08T12:00:00Z');

describe('run admission', () => {
  let platform: Platform;
  let owner: TestTenant;
  let developer: Member;
  let admin: Member;
  let started: unknown[];
  const clock = new ManualClock(START * 1000);
  const tick = () => platform.invoke('schedule-evaluator', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
    started = recordExecutions(platform);
    owner = await signUpTenant(platform.url, 'owner');
    [developer, admin] = await Promise.all([addMember(platform.url, owner, 'developer'), addMember(platform.url, owner, 'admin')]);
    await registerFlow(owner);
  }, 90_000);
  afterAll(async () => {
    await platform?.stop();
  });

  describe('a task declaring a secret that does not exist', () => {
    const spec = {
      ...FLOW_SPEC,
      tasks: [
        { name: 'plain', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/a' } },
        { name: 'needs', type: 'http', secrets: ['KNOWN', 'STAGING_ONLY'], request: { method: 'GET', url: 'http://127.0.0.1:9/b' } },
      ],
      edges: [{ from: 'plain', to: 'needs' }],
    };

    beforeAll(async () => {
      await registerFlow(owner, 'sec', '1.0.0', spec);
      expect((await owner.api.post('/v1/secrets', { secret_name: 'KNOWN', value: 'k' })).status).toBe(201);
      expect((await owner.api.post('/v1/secrets', { secret_name: 'STAGING_ONLY', value: 's', environment: 'staging' })).status).toBe(201);
      for (const [name, environment] of [['sec-dev', 'dev'], ['sec-staging', 'staging']]) {
        const res = await owner.api.post('/v1/deployments', { deployment_name: name, flow_name: 'sec', flow_version: '1.0.0', environment });
        expect(res.status).toBe(201);
      }
    });

    it('POST /v1/runs answers 400 unknown_secret naming the task and the secret, and starts nothing', async () => {
      const runsBefore = (await listRuns(owner)).length;
      const executionsBefore = started.length;
      const bare = await owner.api.post('/v1/runs', { flow_name: 'sec', flow_version: '1.0.0' });
      expect(bare.status).toBe(400);
      expect(bare.body.error).toMatchObject({
        code: 'unknown_secret',
        message: expect.stringContaining('task needs declares secret STAGING_ONLY'),
        details: [{ path: 'flow_spec.tasks[1].secrets[1]', message: expect.stringContaining('STAGING_ONLY') }],
      });
      const inDev = await owner.api.post('/v1/runs', { deployment_name: 'sec-dev' });
      expect(inDev.status).toBe(400);
      expect(inDev.body.error.message).toContain('in environment dev or org-wide');
      expect((await listRuns(owner)).length).toBe(runsBefore);
      expect(started.length).toBe(executionsBefore);
      // The environment that has it: started.
      expect((await owner.api.post('/v1/runs', { deployment_name: 'sec-staging' })).status).toBe(202);
    });

    it('a schedule slot is refused the same way and recorded on the schedule', async () => {
      clock.set(START * 1000);
      const made = await owner.api.post('/v1/schedules', { schedule_id: 'sec-13', deployment_name: 'sec-dev', mode: 'cron', cron_expression: '0 13 * * *' });
      expect(made.status).toBe(201);
      clock.set((START + 3600 + 1) * 1000);
      await tick();
      expect((await listRuns(owner)).filter((r) => r.trigger.id === 'sec-13')).toEqual([]);
      expect((await owner.api.get('/v1/schedules/sec-13')).body).toMatchObject({
        last_error: expect.stringContaining('STAGING_ONLY'),
        next_run_at: '2030-03-09T13:00:00Z',
      });
    });
  });

  describe('a task declaring a secret that does not exist, through a webhook sensor', () => {
    it('the webhook answers 400 unknown_secret and starts no run', async () => {
      const hook = await owner.api.post('/v1/sensors', { name: 'sec-hook', sensor_type: 'webhook', deployment_name: 'sec-dev', config: {} });
      expect(hook.status).toBe(201);
      const res = await fetch(`${platform.url}${hook.body.webhook_path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_secret');
      expect((await listRuns(owner)).filter((r) => r.trigger.id === hook.body.sensor_id)).toEqual([]);
    });
  });

  describe('protected environments', () => {
    beforeAll(async () => {
      for (const [name, environment] of [['etl-prod', 'production'], ['etl-dev', 'dev']]) {
        const res = await owner.api.post('/v1/deployments', { deployment_name: name, flow_name: 'etl', flow_version: '1.0.0', environment, parameters: { day: '2030-03-08' } });
        expect(res.status).toBe(201);
      }
    });

    it('a developer gets 403 starting a protected deployment, or overriding any deployment parameters; nothing starts', async () => {
      const runsBefore = (await listRuns(owner)).length;
      const prod = await developer.inOrg.post('/v1/runs', { deployment_name: 'etl-prod' });
      expect(prod.status).toBe(403);
      expect(prod.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('environment production is protected') });
      const override = await developer.inOrg.post('/v1/runs', { deployment_name: 'etl-dev', parameters: { day: '2030-03-09' } });
      expect(override.status).toBe(403);
      expect(override.body.error.message).toContain('override the parameters');
      expect((await listRuns(owner)).length).toBe(runsBefore);
      // What a developer may still do: the unprotected deployment as configured, a bare flow version with parameters.
      expect((await developer.inOrg.post('/v1/runs', { deployment_name: 'etl-dev' })).status).toBe(202);
      expect((await developer.inOrg.post('/v1/runs', { deployment_name: 'etl-dev', parameters: {} })).status).toBe(202);
      expect((await developer.inOrg.post('/v1/runs', { flow_name: 'etl', flow_version: '1.0.0', parameters: { day: '2030-03-09' } })).status).toBe(202);
    });

    it('an admin may start it and override its parameters', async () => {
      expect((await admin.inOrg.post('/v1/runs', { deployment_name: 'etl-prod' })).status).toBe(202);
      const override = await admin.inOrg.post('/v1/runs', { deployment_name: 'etl-prod', parameters: { day: '2030-03-10' } });
      expect(override.status).toBe(202);
      expect(override.body.parameters).toEqual({ day: '2030-03-10' });
    });

    it("a developer's retry of a protected deployment's run is refused too", async () => {
      const run = await admin.inOrg.post('/v1/runs', { deployment_name: 'etl-prod' });
      const cancelled = await admin.inOrg.post(`/v1/runs/${run.body.run_id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect((await developer.inOrg.post(`/v1/runs/${run.body.run_id}/retry`)).status).toBe(403);
      expect((await admin.inOrg.post(`/v1/runs/${run.body.run_id}/retry`)).status).toBe(202);
    });

    it("the protected deployment's schedule and webhook sensor still fire", async () => {
      clock.set(START * 1000);
      const made = await owner.api.post('/v1/schedules', { schedule_id: 'prod-14', deployment_name: 'etl-prod', mode: 'cron', cron_expression: '0 14 * * *' });
      expect(made.status).toBe(201);
      const hook = await owner.api.post('/v1/sensors', { name: 'prod-hook', sensor_type: 'webhook', deployment_name: 'etl-prod', config: {} });
      expect(hook.status).toBe(201);
      clock.set((START + 7200 + 1) * 1000);
      await tick();
      expect((await listRuns(owner)).filter((r) => r.trigger.id === 'prod-14')).toHaveLength(1);
      const fired = (await fetch(`${platform.url}${hook.body.webhook_path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
      expect(fired.status).toBe(202);
      expect((await listRuns(owner)).filter((r) => r.trigger.id === hook.body.sensor_id)).toHaveLength(1);
    });
  });
});
