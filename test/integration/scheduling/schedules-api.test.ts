// The schedules API on the local platform (real identity, flows, deployments and run starter;
// the run state machine replaced by a recorder), with an injected clock.
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { createDeployment, listRuns, rawItem, recordExecutions, registerFlow } from './api-support';
import { epoch } from './support';

// A fixed time after the real one: DynamoDB Local's TTL sweeper deletes items (access tokens,
// idempotency records) whose expiry is in the real past, so the injected clock stays ahead of it.
const START = epoch('2030-03-08T12:00:00Z');

describe('schedules API', () => {
  let platform: Platform;
  let alice: TestTenant;
  let bob: TestTenant;
  const clock = new ManualClock(START * 1000);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock, allowLoopbackEgress: true });
    recordExecutions(platform);
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'alice'), signUpTenant(platform.url, 'bob')]);
    await registerFlow(alice);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const raw = (org: string, id: string) => rawItem(platform, platform.resources.tables.Schedule, { org_id: org, schedule_id: id });

  it('creates a cron schedule: 201, its first slot from now, an ETag, listed, audited', async () => {
    const res = await alice.api.post('/v1/schedules', {
      schedule_id: 'nightly',
      flow_name: 'etl',
      flow_version: '1.0.0',
      mode: 'cron',
      cron_expression: '0 2 * * *',
      timezone: 'Europe/Berlin',
      parameters: { day: '2030-03-08' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({
      org_id: alice.org_id,
      schedule_id: 'nightly',
      flow_name: 'etl',
      flow_version: '1.0.0',
      deployment_name: null,
      mode: 'cron',
      enabled: true,
      catchup_policy: 'none',
      parameters: { day: '2030-03-08' },
      next_run_epoch: epoch('2030-03-09T01:00:00Z'), // 02:00 CET
      next_run_at: '2030-03-09T01:00:00Z',
      last_triggered_at: null,
      version: 1,
    });
    const got = await alice.api.get('/v1/schedules/nightly');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const list = await alice.api.get('/v1/schedules');
    expect(list.body.items.map((s: { schedule_id: string }) => s.schedule_id)).toContain('nightly');
    const audit = await alice.api.get('/v1/audit-logs?resource_type=schedule&resource_id=nightly');
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['create']);
    // In the due index while enabled (a shard of the 8).
    expect((await raw(alice.org_id, 'nightly'))?.due_shard).toMatch(/^shard-[0-7]$/);
    // A generated id when none is given.
    const gen = await alice.api.post('/v1/schedules', { flow_name: 'etl', flow_version: '1.0.0', mode: 'interval', interval_seconds: 3600 });
    expect(gen.status).toBe(201);
    expect(gen.body.schedule_id).toMatch(/^sch_[a-z2-9]{12}$/);
    expect(gen.body.next_run_epoch).toBe(START); // multiples of the interval since the epoch: 12:00 is one
  });

  it('refuses bad input with 400 and the field paths, writing nothing', async () => {
    const before = (await alice.api.get('/v1/schedules?limit=100')).body.items.length;
    const target = { flow_name: 'etl', flow_version: '1.0.0' };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...target, mode: 'cron', cron_expression: '61 * * * *' }, ['cron_expression']],
      [{ ...target, mode: 'cron', cron_expression: '0 * * *' }, ['cron_expression']],
      [{ ...target, mode: 'cron', cron_expression: '0 * * * *', timezone: 'Mars/Olympus' }, ['timezone']],
      [{ ...target, mode: 'interval', interval_seconds: 30 }, ['interval_seconds']],
      [{ ...target, mode: 'interval', interval_seconds: 3600, start_at: '2030-04-01T00:00:00Z', end_at: '2030-03-01T00:00:00Z' }, ['end_at']],
      [{ ...target, mode: 'one_time', start_at: '2030-04-01T00:00:00Z', catchup_policy: 'all' }, ['catchup_policy']],
      [{ ...target, mode: 'one_time' }, ['start_at']],
      [{ ...target, mode: 'one_time', start_at: '2030-03-01T00:00:00Z' }, ['start_at']],
      [{ ...target, mode: 'interval', interval_seconds: 3600, cron_expression: '0 * * * *' }, ['cron_expression']],
      [{ mode: 'manual' }, ['flow_name', 'flow_version']],
      [{ ...target, flow_version: '9.9.9', mode: 'manual' }, ['flow_version']],
      [{ deployment_name: 'nope', mode: 'manual' }, ['deployment_name']],
      [{ ...target, mode: 'hourly' }, ['mode']],
      [{ ...target, mode: 'manual', colour: 'blue' }, ['colour']],
      [{ ...target, schedule_id: 'dep-mine', mode: 'manual' }, ['schedule_id']],
      [{ ...target, mode: 'cron', cron_expression: '0 * * * *', start_at: 'tomorrow' }, ['start_at']],
      // The parameters are the runs' parameters: checked against the flow's schema now.
      [{ ...target, mode: 'manual', parameters: { day: 'yesterday', limit: 0 } }, ['parameters.day', 'parameters.limit']],
    ];
    for (const [body, paths] of cases) {
      const res = await alice.api.post('/v1/schedules', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect({ body, paths: res.body.error.details.map((d: { path: string }) => d.path).sort() }).toEqual({ body, paths: [...paths].sort() });
    }
    const after = (await alice.api.get('/v1/schedules?limit=100')).body.items.length;
    expect(after).toBe(before);
  });

  it("answers 404 for another organization's schedule, on every route", async () => {
    for (const res of [
      await bob.api.get('/v1/schedules/nightly'),
      await bob.api.patch('/v1/schedules/nightly', { enabled: false }),
      await bob.api.delete('/v1/schedules/nightly'),
      await bob.api.get('/v1/schedules/nightly/preview'),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await bob.api.get('/v1/schedules')).body.items).toEqual([]);
    expect((await alice.api.get('/v1/schedules/nightly')).body.enabled).toBe(true);
  });

  it('disables (out of the due index) and re-enables a schedule; If-Match pins the version', async () => {
    const off = await alice.api.patch('/v1/schedules/nightly', { enabled: false }, { 'if-match': '"1"' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, version: 2 });
    expect((await raw(alice.org_id, 'nightly'))?.due_shard).toBeUndefined();
    const stale = await alice.api.patch('/v1/schedules/nightly', { enabled: true }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const on = await alice.api.patch('/v1/schedules/nightly', { enabled: true, cron_expression: '30 3 * * *', version: 2 });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, version: 3, cron_expression: '30 3 * * *', next_run_at: '2030-03-09T02:30:00Z' });
    expect((await raw(alice.org_id, 'nightly'))?.due_shard).toMatch(/^shard-/);
    const bad = await alice.api.patch('/v1/schedules/nightly', { timezone: 'Nowhere/Special', interval_seconds: 120 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['interval_seconds', 'timezone']);
    const badParams = await alice.api.patch('/v1/schedules/nightly', { parameters: { limit: -1 } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.details).toEqual([{ path: 'parameters.limit', message: expect.any(String) }]);
    const mode = await alice.api.patch('/v1/schedules/nightly', { mode: 'interval', interval_seconds: 7200 });
    expect(mode.body).toMatchObject({ mode: 'interval', interval_seconds: 7200, cron_expression: null, next_run_at: '2030-03-08T12:00:00Z' });
    const audit = await alice.api.get('/v1/audit-logs?resource_type=schedule&resource_id=nightly');
    // (One frozen clock: records of the same instant sort by their uuid suffix, so compare as sets.)
    expect(audit.body.items.map((a: { action: string }) => a.action).sort()).toEqual(['create', 'update', 'update', 'update']);
  });

  it('previews the next fire times in UTC and in the schedule zone (across the DST change)', async () => {
    await alice.api.post('/v1/schedules', { schedule_id: 'ny', flow_name: 'etl', flow_version: '1.0.0', mode: 'cron', cron_expression: '30 2 * * *', timezone: 'America/New_York' });
    const res = await alice.api.get('/v1/schedules/ny/preview?count=3');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schedule_id: 'ny',
      timezone: 'America/New_York',
      slots: [
        { epoch: epoch('2030-03-09T07:30:00Z'), utc: '2030-03-09T07:30:00Z', local: '2030-03-09T02:30:00-05:00' },
        { epoch: epoch('2030-03-10T07:00:00Z'), utc: '2030-03-10T07:00:00Z', local: '2030-03-10T03:00:00-04:00' },
        { epoch: epoch('2030-03-11T06:30:00Z'), utc: '2030-03-11T06:30:00Z', local: '2030-03-11T02:30:00-04:00' },
      ],
    });
    expect((await alice.api.get('/v1/schedules/ny/preview?count=0')).status).toBe(400);
    expect((await alice.api.get('/v1/schedules/ny/preview?count=101')).status).toBe(400);
    expect((await alice.api.get('/v1/schedules/ny/preview')).body.slots).toHaveLength(10);
  });

  it('deletes a schedule (audited); it is gone', async () => {
    const res = await alice.api.delete('/v1/schedules/ny');
    expect(res.status).toBe(204);
    expect((await alice.api.get('/v1/schedules/ny')).status).toBe(404);
    expect((await alice.api.delete('/v1/schedules/ny')).status).toBe(404);
    const audit = await alice.api.get('/v1/audit-logs?resource_type=schedule&resource_id=ny');
    expect(audit.body.items.map((a: { action: string }) => a.action).sort()).toEqual(['create', 'delete']);
  });

  it("keeps a deployment's schedule in step with the deployment (create, pause, resume, change, delete)", async () => {
    await createDeployment(alice, 'etl-hourly', { schedule: '15 * * * *' });
    const created = await alice.api.get('/v1/schedules/dep-etl-hourly');
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      deployment_name: 'etl-hourly',
      flow_name: 'etl',
      flow_version: null,
      mode: 'cron',
      cron_expression: '15 * * * *',
      timezone: 'UTC',
      enabled: true,
      managed_by: 'deployment',
      next_run_at: '2030-03-08T12:15:00Z',
    });
    expect((await raw(alice.org_id, 'dep-etl-hourly'))?.due_shard).toMatch(/^shard-/);
    // Managed: changed only through its deployment.
    expect((await alice.api.patch('/v1/schedules/dep-etl-hourly', { enabled: false })).status).toBe(409);
    expect((await alice.api.delete('/v1/schedules/dep-etl-hourly')).status).toBe(409);

    expect((await alice.api.post('/v1/deployments/etl-hourly/pause')).status).toBe(200);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).body.enabled).toBe(false);
    expect((await raw(alice.org_id, 'dep-etl-hourly'))?.due_shard).toBeUndefined();

    clock.set((START + 3600) * 1000); // resumed an hour later: starts from now, no catch-up
    expect((await alice.api.post('/v1/deployments/etl-hourly/resume')).status).toBe(200);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).body).toMatchObject({ enabled: true, next_run_at: '2030-03-08T13:15:00Z' });

    const changed = await alice.api.patch('/v1/deployments/etl-hourly', { schedule: '45 * * * *' });
    expect(changed.status).toBe(200);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).body).toMatchObject({ cron_expression: '45 * * * *', next_run_at: '2030-03-08T13:45:00Z' });
    const bad = await alice.api.patch('/v1/deployments/etl-hourly', { schedule: 'every hour' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('schedule');

    expect((await alice.api.patch('/v1/deployments/etl-hourly', { schedule: null })).status).toBe(200);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).status).toBe(404);
    expect((await alice.api.patch('/v1/deployments/etl-hourly', { schedule: '0 6 * * *' })).status).toBe(200);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).status).toBe(200);
    expect((await alice.api.delete('/v1/deployments/etl-hourly')).status).toBe(204);
    expect((await alice.api.get('/v1/schedules/dep-etl-hourly')).status).toBe(404);
    clock.set(START * 1000);
  });

  it('the schedule-evaluator function starts the slot run through the run starter, once', async () => {
    clock.set(START * 1000);
    const made = await alice.api.post('/v1/schedules', {
      schedule_id: 'at-13',
      flow_name: 'etl',
      flow_version: '1.0.0',
      mode: 'cron',
      cron_expression: '0 13 * * *',
      parameters: { day: '2030-03-08', limit: 7 },
    });
    expect(made.status).toBe(201);
    clock.set((START + 3600 + 1) * 1000);
    await platform.invoke('schedule-evaluator', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    await platform.invoke('schedule-evaluator', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const runs = (await listRuns(alice)).filter((r) => r.trigger.id === 'at-13');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      flow_name: 'etl',
      status: 'QUEUED',
      parameters: { day: '2030-03-08', limit: 7 },
      trigger: { type: 'schedule', id: 'at-13', slot: '2030-03-08T13:00:00Z' },
    });
    expect((await alice.api.get('/v1/schedules/at-13')).body).toMatchObject({
      last_slot_at: '2030-03-08T13:00:00Z',
      last_triggered_at: new Date((START + 3601) * 1000).toISOString(),
      next_run_at: '2030-03-09T13:00:00Z',
    });
  });

  it("skips and records a paused deployment's slot (AuditLog and event), starting no run", async () => {
    clock.set(START * 1000);
    await createDeployment(alice, 'etl-paused', { schedule: '30 12 * * *' });
    // Paused behind the sync's back (e.g. a schedule made for the deployment by hand): the
    // evaluator checks the deployment itself.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { documentClient } = await import('./support');
    await documentClient(platform).send(
      new UpdateCommand({ TableName: platform.resources.tables.Deployment, Key: { org_id: alice.org_id, deployment_name: 'etl-paused' }, UpdateExpression: 'SET #s = :p', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':p': 'PAUSED' } }),
    );
    clock.set((START + 1800 + 2) * 1000);
    await platform.invoke('schedule-evaluator', {});
    await platform.bus.drain();
    expect((await listRuns(alice)).filter((r) => r.trigger.id === 'dep-etl-paused')).toEqual([]);
    expect((await alice.api.get('/v1/schedules/dep-etl-paused')).body).toMatchObject({
      last_skipped_slot_at: '2030-03-08T12:30:00Z',
      last_skip_reason: 'deployment paused',
      next_run_at: '2030-03-09T12:30:00Z',
    });
    const audit = await alice.api.get('/v1/audit-logs?resource_type=schedule&resource_id=dep-etl-paused');
    expect(audit.body.items[0]).toMatchObject({ action: 'skip', actor_email: 'scheduler' });
    const event = platform.bus.delivered.find((d) => d.event['detail-type'] === 'Schedule Slot Skipped');
    expect(event?.event.detail).toMatchObject({ org_id: alice.org_id, schedule_id: 'dep-etl-paused', slots: ['2030-03-08T12:30:00Z'], reason: 'deployment paused' });
  });
});
