// Plans and limits on the local platform: the subscription API, the monthly run quota (402 with
// nothing started), run queueing over the concurrency limit (FIFO, promoted when a slot frees by
// Finalize or cancel), lease expiry of a killed run (lease sweeper), schedule refusals recorded
// as skipped, member/schedule/sensor limits, and the DynamoDB requests admission adds per run.
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RUN_LEASE_SECONDS, PLANS } from '../../../lambdas/billing/plans';
import { periodOf } from '../../../lambdas/billing/run-quota';
import type { Clock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import { addMember, signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { auditRecords, documentClient, scanAll } from '../../support/tables';
import { registerFlow, waitForRun, type RunView } from '../execution/executors-support';

/** The platform's clock: real time plus an offset the test moves forward (lease expiry). */
class OffsetClock implements Clock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
}

/** Every DynamoDB request the platform's functions send, with its input. */
interface DdbRequest {
  command: string;
  input: Record<string, unknown>;
}

describe('plans and limits', () => {
  let platform: Platform;
  const clock = new OffsetClock();
  const requests: DdbRequest[] = [];
  let recording = false;

  beforeAll(async () => {
    platform = await startTestPlatform({
      clock,
      observeAws: (service, command, _functionName, input) => {
        if (recording && service === 'ddb') requests.push({ command, input: (input ?? {}) as Record<string, unknown> });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const runItems = async (orgId: string) => (await scanAll(platform, 'Run')).filter((i) => i.org_id === orgId);
  const executionsOf = (runIds: string[]) => localStepFunctionsOf(platform.emulator).list().filter((e) => runIds.some((id) => e.name.startsWith(id)));
  const quotaKey = (orgId: string) => ({ org_id: orgId, sk: `limits#${periodOf(clock.nowMs())}#runs_admitted` });

  async function setRunsAdmitted(orgId: string, value: number): Promise<void> {
    await documentClient(platform).send(
      new PutCommand({ TableName: platform.resources.tables.UsageAggregate, Item: { ...quotaKey(orgId), period: periodOf(clock.nowMs()), metric: 'runs_admitted', value } }),
    );
  }
  async function runsAdmitted(orgId: string): Promise<number> {
    const out = await documentClient(platform).send(new GetCommand({ TableName: platform.resources.tables.UsageAggregate, Key: quotaKey(orgId), ConsistentRead: true }));
    return Number(out.Item?.value ?? 0);
  }

  async function sleepyFlow(tenant: TestTenant) {
    return registerFlow(tenant.api, { tasks: [{ name: 'sleepy', timeout_seconds: 60 }] }, 'limits');
  }
  async function startRun(tenant: TestTenant, body: Record<string, unknown>): Promise<RunView & { queued_reason: string | null }> {
    const res = await tenant.api.post('/v1/runs', { executor: 'lambda', ...body });
    if (res.status !== 202) throw new Error(`start run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const started = (run: RunView) => run.external_id !== null;

  describe('GET|PUT /v1/subscription', () => {
    let owner: TestTenant;
    beforeAll(async () => {
      owner = await signUpTenant(platform.url, 'sub-owner');
    });

    it('signup creates a free, active subscription that every member may read', async () => {
      const viewer = await addMember(platform.url, owner, 'viewer', 'sub-viewer');
      const res = await viewer.inOrg.get('/v1/subscription');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ org_id: owner.org_id, plan: 'free', status: 'active', monthly_budget_usd: null, limits: PLANS.free });
      expect(res.body.usage).toEqual({ period: periodOf(clock.nowMs()), runs_admitted: 0, active_runs: 0 });
      // Written with the organization, not merely defaulted.
      expect(res.body.created_at).toEqual(expect.any(String));
    });

    it('the owner changes plan, status and budget, with an audit record', async () => {
      const res = await owner.api.put('/v1/subscription', { plan: 'team', monthly_budget_usd: 250.5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ plan: 'team', status: 'active', monthly_budget_usd: 250.5, limits: PLANS.team });
      const pastDue = await owner.api.put('/v1/subscription', { plan: 'team', status: 'past_due' });
      expect(pastDue.body).toMatchObject({ status: 'past_due', monthly_budget_usd: 250.5, past_due_since: expect.any(String), grace_period_ends_at: expect.any(String) });
      const cancelled = await owner.api.put('/v1/subscription', { plan: 'team', status: 'cancelled', monthly_budget_usd: null });
      // A cancelled subscription has the free plan's limits.
      expect(cancelled.body).toMatchObject({ status: 'cancelled', past_due_since: null, monthly_budget_usd: null, limits: PLANS.free });
      const audit = (await auditRecords(platform, owner.org_id)).filter((r) => r.resource_type === 'subscription');
      expect(audit).toHaveLength(3);
      expect(audit.map((r) => JSON.parse(r.after_json).plan)).toEqual(['team', 'team', 'team']);
      expect(JSON.parse(audit[0]!.before_json)).toMatchObject({ plan: 'free', status: 'active' });
    });

    it('an admin or a viewer cannot change it (403); nothing is written', async () => {
      const admin = await addMember(platform.url, owner, 'admin', 'sub-admin');
      const before = (await owner.api.get('/v1/subscription')).body;
      const res = await admin.inOrg.put('/v1/subscription', { plan: 'enterprise' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect((await owner.api.get('/v1/subscription')).body).toEqual(before);
    });

    it('an unknown plan, status or a negative budget is a 400 naming the field', async () => {
      const before = (await owner.api.get('/v1/subscription')).body;
      const plan = await owner.api.put('/v1/subscription', { plan: 'platinum' });
      expect(plan.status).toBe(400);
      expect(plan.body.error.details.map((d: { path: string }) => d.path)).toEqual(['plan']);
      const bad = await owner.api.put('/v1/subscription', { plan: 'team', status: 'frozen', monthly_budget_usd: -1, seats: 3 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['monthly_budget_usd', 'seats', 'status']);
      expect((await owner.api.get('/v1/subscription')).body).toEqual(before);
    });
  });

  describe('monthly run quota', () => {
    it('over the quota: 402 plan_limit_exceeded, no Run item, no execution, the counter unchanged', async () => {
      const tenant = await signUpTenant(platform.url, 'quota');
      const flow = await sleepyFlow(tenant);
      const limit = PLANS.free.runs_per_month!;
      await setRunsAdmitted(tenant.org_id, limit - 1);
      const last = await startRun(tenant, { ...flow, parameters: { ms: 1 } });
      expect(await runsAdmitted(tenant.org_id)).toBe(limit);

      const refused = await tenant.api.post('/v1/runs', { ...flow, executor: 'lambda', parameters: { ms: 1 } }, { 'idempotency-key': 'over-quota' });
      expect(refused.status).toBe(402);
      expect(refused.body.error.code).toBe('plan_limit_exceeded');
      expect(refused.body.error.message).toMatch(new RegExp(`free plan allows ${limit} runs per month`));
      expect((await runItems(tenant.org_id)).map((i) => i.run_id)).toEqual([last.run_id]);
      expect(executionsOf([last.run_id])).toHaveLength(1);
      expect(localStepFunctionsOf(platform.emulator).list().filter((e) => !e.name.startsWith(last.run_id) && JSON.parse(e.input).org_id === tenant.org_id)).toEqual([]);
      expect(await runsAdmitted(tenant.org_id)).toBe(limit);

      // A bigger plan admits it at once.
      expect((await tenant.api.put('/v1/subscription', { plan: 'team' })).status).toBe(200);
      const admitted = await startRun(tenant, { ...flow, parameters: { ms: 1 } });
      // Started at once, not waiting: QUEUED, or already RUNNING when the execution's Start step
      // reached the Run item before the request's own last write.
      expect(['QUEUED', 'RUNNING']).toContain(admitted.status);
      expect(admitted.queued_reason).toBeNull();
      expect(await runsAdmitted(tenant.org_id)).toBe(limit + 1);
      await waitForRun(tenant.api, admitted.run_id);
    }, 60_000);

    it('concurrent starts at the edge of the quota: exactly the remaining ones are admitted', async () => {
      const tenant = await signUpTenant(platform.url, 'quota-race');
      const flow = await sleepyFlow(tenant);
      await tenant.api.put('/v1/subscription', { plan: 'team' });
      const limit = PLANS.team.runs_per_month!;
      await setRunsAdmitted(tenant.org_id, limit - 3);
      const results = await Promise.all(Array.from({ length: 8 }, () => tenant.api.post('/v1/runs', { ...flow, executor: 'lambda', parameters: { ms: 1 } })));
      expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 402, 402, 402, 402, 402]);
      expect(await runItems(tenant.org_id)).toHaveLength(3);
      expect(await runsAdmitted(tenant.org_id)).toBe(limit);
      for (const r of results.filter((x) => x.status === 202)) await waitForRun(tenant.api, r.body.run_id);
    }, 60_000);

    it('a past_due subscription keeps starting runs during its grace period, then 402 subscription_past_due', async () => {
      const tenant = await signUpTenant(platform.url, 'past-due');
      const flow = await sleepyFlow(tenant);
      await tenant.api.put('/v1/subscription', { plan: 'team', status: 'past_due' });
      const inGrace = await startRun(tenant, { ...flow, parameters: { ms: 1 } });
      await waitForRun(tenant.api, inGrace.run_id);
      // Move the start of the grace period back beyond it.
      const ddb = documentClient(platform);
      const table = platform.resources.tables.Subscription;
      const item = (await ddb.send(new GetCommand({ TableName: table, Key: { org_id: tenant.org_id } }))).Item!;
      await ddb.send(new PutCommand({ TableName: table, Item: { ...item, past_due_since: '2020-01-01T00:00:00.000Z' } }));
      const refused = await tenant.api.post('/v1/runs', { ...flow, executor: 'lambda', parameters: { ms: 1 } });
      expect(refused.status).toBe(402);
      expect(refused.body.error.code).toBe('subscription_past_due');
      expect(await runItems(tenant.org_id)).toHaveLength(1);
    }, 60_000);
  });

  describe('concurrency: runs wait QUEUED for a slot and start in order', () => {
    it('over the plan limit runs queue; each cancel frees a slot for the oldest waiting run', async () => {
      const tenant = await signUpTenant(platform.url, 'queue');
      const flow = await sleepyFlow(tenant);
      const limit = PLANS.free.concurrent_runs;
      const runs: Array<RunView & { queued_reason: string | null }> = [];
      for (let i = 0; i < limit + 2; i++) runs.push(await startRun(tenant, { ...flow, parameters: { ms: 4000 } }));
      const [a, b, c, d] = [runs[0]!, runs[1]!, runs[limit]!, runs[limit + 1]!];
      expect(runs.slice(0, limit).every(started)).toBe(true);
      for (const waiting of [c, d]) {
        const view = await waitForRun(tenant.api, waiting.run_id, () => true);
        expect(view).toMatchObject({ status: 'QUEUED', external_id: null, queued_reason: `waiting for an execution slot: the plan allows ${limit} concurrent runs` });
      }
      expect(executionsOf([c.run_id, d.run_id])).toEqual([]);
      expect((await tenant.api.get('/v1/subscription')).body.usage.active_runs).toBe(limit);

      expect((await tenant.api.post(`/v1/runs/${a.run_id}/cancel`)).status).toBe(200);
      await waitForRun(tenant.api, c.run_id, (r) => r.status === 'RUNNING');
      expect((await waitForRun(tenant.api, d.run_id, () => true)).status).toBe('QUEUED');
      expect((await tenant.api.post(`/v1/runs/${b.run_id}/cancel`)).status).toBe(200);
      await waitForRun(tenant.api, d.run_id, (r) => r.status === 'RUNNING');
      for (const r of runs.slice(2)) expect((await waitForRun(tenant.api, r.run_id)).status).toBe('SUCCEEDED');
      // Every slot came back.
      expect((await tenant.api.get('/v1/subscription')).body.usage.active_runs).toBe(0);
    }, 60_000);

    it.each(['lambda', 'step-functions'])("a deployment's max_concurrent_runs (%s): the next run starts when the first is finalized, oldest first", async (executor) => {
      const tenant = await signUpTenant(platform.url, 'queue-dep');
      const flow = await sleepyFlow(tenant);
      const dep = await tenant.api.post('/v1/deployments', { deployment_name: 'one-at-a-time', ...flow, environment: 'dev', default_executor: executor, max_concurrent_runs: 1 });
      expect(dep.status).toBe(201);
      expect(dep.body.max_concurrent_runs).toBe(1);
      const runs = [];
      for (const ms of [800, 10, 10]) runs.push(await startRun(tenant, { deployment_name: 'one-at-a-time', parameters: { ms }, executor }));
      expect(runs.map(started)).toEqual([true, false, false]);
      expect(runs[1]!.queued_reason).toBe('waiting for an execution slot: deployment one-at-a-time allows 1 concurrent runs');
      // A manual run of the same flow, outside the deployment, is not held back by it.
      const outside = await startRun(tenant, { ...flow, parameters: { ms: 10 } });
      expect(started(outside)).toBe(true);
      const done = [];
      for (const r of runs) done.push(await waitForRun(tenant.api, r.run_id));
      expect(done.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const startedAt = done.map((r) => Date.parse((r as RunView & { started_at: string }).started_at));
      // When the run's (one) task finished: its slot is given back only after that.
      const tasksDoneAt = done.map((r) => Date.parse((r.task_runs[0] as unknown as { completed_at: string }).completed_at));
      // One at a time, in order of creation.
      expect(startedAt[1]!).toBeGreaterThanOrEqual(tasksDoneAt[0]!);
      expect(startedAt[2]!).toBeGreaterThanOrEqual(tasksDoneAt[1]!);

      const bad = await tenant.api.patch('/v1/deployments/one-at-a-time', { max_concurrent_runs: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('max_concurrent_runs');
    }, 60_000);

    it("a killed run's slot comes back when its lease expires (lease sweeper); a live run's lease is renewed", async () => {
      const tenant = await signUpTenant(platform.url, 'lease');
      const flow = await sleepyFlow(tenant);
      await tenant.api.post('/v1/deployments', { deployment_name: 'single', ...flow, environment: 'dev', default_executor: 'lambda', max_concurrent_runs: 1 });
      const a = await startRun(tenant, { deployment_name: 'single', parameters: { ms: 4000 } });
      const b = await startRun(tenant, { deployment_name: 'single', parameters: { ms: 10 } });
      expect([started(a), started(b)]).toEqual([true, false]);
      await waitForRun(tenant.api, a.run_id, (r) => r.status === 'RUNNING');

      // Expired but alive: renewed, nothing promoted.
      clock.offsetMs += (RUN_LEASE_SECONDS + 1) * 1000;
      const renewed = (await platform.invoke('lease-sweeper', {})) as Record<string, number>;
      expect(renewed).toMatchObject({ renewed: 1, released: 0, promoted: 0 });
      expect((await waitForRun(tenant.api, b.run_id, () => true)).status).toBe('QUEUED');

      // The execution dies outside Dagy (no Finalize, no cancel): the run holds its slot...
      localStepFunctionsOf(platform.emulator).stopExecution(a.external_id!, 'Crash', 'killed by the test');
      expect((await platform.invoke('lease-sweeper', {})) as Record<string, number>).toMatchObject({ released: 0, promoted: 0 });
      expect((await waitForRun(tenant.api, b.run_id, () => true)).status).toBe('QUEUED');
      // ...until its lease expires: then the sweeper releases it and starts the waiting run.
      clock.offsetMs += (RUN_LEASE_SECONDS + 1) * 1000;
      const swept = (await platform.invoke('lease-sweeper', {})) as Record<string, number>;
      expect(swept).toMatchObject({ released: 1, promoted: 1 });
      expect((await waitForRun(tenant.api, b.run_id)).status).toBe('SUCCEEDED');
    }, 60_000);
  });

  it('a schedule slot refused by the plan is recorded as skipped, and starts no run', async () => {
    const tenant = await signUpTenant(platform.url, 'sched-quota');
    const flow = await sleepyFlow(tenant);
    // One slot only: an interval schedule's next slot would fall within the evaluator's lookahead,
    // and the evaluator waits (in real time) for a slot it has claimed, up to a minute.
    const startAt = new Date(clock.nowMs() + 30_000).toISOString();
    const created = await tenant.api.post('/v1/schedules', { ...flow, mode: 'one_time', start_at: startAt, parameters: { ms: 1 } });
    expect(created.status).toBe(201);
    await setRunsAdmitted(tenant.org_id, PLANS.free.runs_per_month!);
    clock.offsetMs += 61_000;
    await platform.invoke('schedule-evaluator', {});
    const schedule = (await tenant.api.get(`/v1/schedules/${created.body.schedule_id}`)).body;
    expect(schedule.last_skip_reason).toMatch(/^plan_limit_exceeded: /);
    expect(schedule.last_skipped_slot_at).toEqual(expect.any(String));
    expect(await runItems(tenant.org_id)).toEqual([]);
    const audit = (await auditRecords(platform, tenant.org_id)).filter((r) => r.resource_type === 'schedule' && r.action !== 'create');
    expect(audit.length).toBeGreaterThanOrEqual(1);
    await tenant.api.patch(`/v1/schedules/${created.body.schedule_id}`, { enabled: false });
  }, 60_000);

  describe('members, schedules and sensors beyond the plan', () => {
    it('adding a member beyond the limit is a 402 naming members; nothing is written', async () => {
      const owner = await signUpTenant(platform.url, 'members');
      for (let i = 1; i < PLANS.free.members!; i++) await addMember(platform.url, owner, 'developer', `dev${i}`);
      const extra = await signUpTenant(platform.url, 'extra');
      const res = await owner.api.post('/v1/members', { email: extra.email, role: 'viewer' });
      expect(res.status).toBe(402);
      expect(res.body.error).toMatchObject({ code: 'plan_limit_exceeded', details: [{ path: 'members', message: `limit ${PLANS.free.members} reached` }] });
      expect((await owner.api.get('/v1/members')).body.items).toHaveLength(PLANS.free.members!);
      await owner.api.put('/v1/subscription', { plan: 'team' });
      expect((await owner.api.post('/v1/members', { email: extra.email, role: 'viewer' })).status).toBe(201);
    }, 60_000);

    it('creating schedules and sensors beyond the limits is a 402', async () => {
      const tenant = await signUpTenant(platform.url, 'caps');
      const flow = await sleepyFlow(tenant);
      const schedule = () => tenant.api.post('/v1/schedules', { ...flow, mode: 'interval', interval_seconds: 3600, enabled: false });
      const sensor = (i: number) => tenant.api.post('/v1/sensors', { name: `hook-${i}`, sensor_type: 'webhook', ...flow, config: {} });
      for (let i = 0; i < PLANS.free.schedules!; i++) expect((await schedule()).status).toBe(201);
      const sixth = await schedule();
      expect(sixth.status).toBe(402);
      expect(sixth.body.error.details).toEqual([{ path: 'schedules', message: `limit ${PLANS.free.schedules} reached` }]);
      for (let i = 0; i < PLANS.free.sensors!; i++) expect((await sensor(i)).status).toBe(201);
      const over = await sensor(99);
      expect(over.status).toBe(402);
      expect(over.body.error.details[0].path).toBe('sensors');
      expect((await tenant.api.get('/v1/sensors')).body.items).toHaveLength(PLANS.free.sensors!);
    }, 60_000);
  });

  it.each(['lambda', 'step-functions'])('admission adds 5 DynamoDB requests per run (3 at the start, 2 when it ends): %s', async (executor) => {
    const tenant = await signUpTenant(platform.url, 'overhead');
    const flow = await sleepyFlow(tenant);
    // The org's first run creates its lease map once; measure a steady-state run.
    await waitForRun(tenant.api, (await startRun(tenant, { ...flow, parameters: { ms: 1 }, executor })).run_id);
    requests.length = 0;
    recording = true;
    const run = await startRun(tenant, { ...flow, parameters: { ms: 1 }, executor });
    await waitForRun(tenant.api, run.run_id);
    // Finalize's release and promotion run just before the execution ends.
    await new Promise((r) => setTimeout(r, 300));
    recording = false;
    const { Subscription, UsageAggregate, Run } = platform.resources.tables;
    const admission = requests.filter(
      (r) => r.input.TableName === Subscription || r.input.TableName === UsageAggregate || (r.input.TableName === Run && r.input.IndexName === 'by-status'),
    );
    expect(admission.map((r) => `${r.command}:${String(r.input.TableName) === Run ? 'Run' : String(r.input.TableName) === Subscription ? 'Subscription' : 'UsageAggregate'}`)).toEqual([
      'GetItemCommand:Subscription',
      'UpdateItemCommand:UsageAggregate',
      'UpdateItemCommand:Subscription',
      'UpdateItemCommand:Subscription',
      'QueryCommand:Run',
    ]);
    // Nothing else of the run reads the Subscription table.
    const queued = await documentClient(platform).send(
      new QueryCommand({ TableName: Run, IndexName: 'by-status', KeyConditionExpression: 'status_key = :k', ExpressionAttributeValues: { ':k': `${tenant.org_id}#QUEUED` } }),
    );
    expect(queued.Items).toEqual([]);
  }, 60_000);
});
