import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { strToU8, zipSync } from 'fflate';
import type { Platform } from '../../../local/platform';
import type { BusEvent } from '../../../local/event-bus';
import { systemClock } from '../../../lambdas/shared/clock';
import { UsageRepository } from '../../../lambdas/usage/usage-repository';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';

// Usage metering and the cost ledger on the local platform: the usage meter consumes the run and
// task run status events of the local bus (the same rules as in AWS), aggregates are ADD counters,
// runs and task runs carry their modelled cost, and the monthly budget refuses new runs.
describe('usage metering, cost ledger and budget', () => {
  let platform: Platform;
  let alice: TestTenant;
  let bob: TestTenant;
  let ddb: DynamoDBDocumentClient;
  let artifactBytes = 0;

  const code = `
export async function one({ parameters }) { return { n: parameters.n ?? 1 }; }
export async function two({ inputs }) { return { n: inputs.one.n + 1 }; }
export async function flaky({ context }) {
  if (context.attempt < 2) throw new Error('first attempt fails');
  return { attempt: context.attempt };
}
export async function wait() { await new Promise((r) => setTimeout(r, 1500)); return {}; }
`;
  const zip = Buffer.from(zipSync({ 'tasks/t.mjs': strToU8(code) }));
  const artifact = { zip_base64: zip.toString('base64') };

  const terminal = (status: string) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status);
  async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, tries = 1200): Promise<T> {
    for (let i = 0; i < tries; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`gave up waiting for ${what}`);
  }
  const getRun = async (t: TestTenant, runId: string) => (await t.api.get(`/v1/runs/${runId}`)).body;
  const usage = async (t: TestTenant) => (await t.api.get('/v1/usage')).body as { period: string; metrics: Record<string, number>; cost_usd: number; monthly_budget_usd: number | null };
  async function allEvents(t: TestTenant, period: string): Promise<Array<{ event_id: string; metrics: Record<string, number> }>> {
    const items = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Array<{ event_id: string; metrics: Record<string, number> }>; next_cursor: string | null } } = await t.api.get(`/v1/usage/events?period=${period}&limit=100${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    return items;
  }
  /** Starts a run; a dropped connection is retried with the same Idempotency-Key (no second run). */
  async function startRun(t: TestTenant, body: Record<string, unknown>): Promise<string> {
    const key = `usage-${Math.random().toString(36).slice(2)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await t.api.post('/v1/runs', body, { 'idempotency-key': key });
        expect(res.status).toBe(202);
        return res.body.run_id as string;
      } catch (error) {
        // A socket the overloaded local gateway closed: try again on a new one.
        if (attempt >= 10 || !(error instanceof TypeError)) throw error;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }
  const pico = (usd: number) => Math.round(usd * 1e12);

  beforeAll(async () => {
    platform = await startTestPlatform();
    ddb = DynamoDBDocumentClient.from(platform.dynamodb);
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'usage'), signUpTenant(platform.url, 'other')]);
    const flows = [
      { flow_name: 'pair', default_executor: 'lambda', tasks: [{ name: 'one', handler: 'tasks/t.mjs:one' }, { name: 'two', handler: 'tasks/t.mjs:two' }], edges: [{ from: 'one', to: 'two' }] },
      {
        flow_name: 'retrying',
        default_executor: 'step-functions',
        tasks: [
          { name: 'one', handler: 'tasks/t.mjs:one' },
          { name: 'flaky', handler: 'tasks/t.mjs:flaky', retries: 2, retry_delay_seconds: 0 },
          { name: 'two', handler: 'tasks/t.mjs:two' },
        ],
        edges: [{ from: 'one', to: 'two' }],
      },
      { flow_name: 'slow', default_executor: 'step-functions', tasks: [{ name: 'wait', handler: 'tasks/t.mjs:wait' }, { name: 'one', handler: 'tasks/t.mjs:one' }], edges: [{ from: 'wait', to: 'one' }] },
    ];
    for (const f of flows) {
      const res = await alice.api.post('/v1/flows', {
        flow_name: f.flow_name,
        flow_version: '1.0.0',
        default_executor: f.default_executor,
        flow_spec: { tasks: f.tasks.map((t) => ({ type: 'code', ...t })), edges: f.edges },
        artifact,
      });
      expect(res.status).toBe(201);
      artifactBytes += zip.length;
    }
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('meters the artifact bytes of each registered flow version', async () => {
    const { metrics } = await usage(alice);
    expect(metrics.artifact_bytes).toBe(artifactBytes);
    // Registering the same version with the same code again stores nothing new.
    const again = await alice.api.post('/v1/flows', { flow_name: 'slow', flow_version: '1.0.0', default_executor: 'step-functions', flow_spec: { tasks: [{ name: 'wait', type: 'code', handler: 'tasks/t.mjs:wait' }, { name: 'one', type: 'code', handler: 'tasks/t.mjs:one' }], edges: [{ from: 'wait', to: 'one' }] }, artifact });
    expect(again.status).toBe(200);
    expect((await usage(alice)).metrics.artifact_bytes).toBe(artifactBytes);
  });

  it('a run records its cost: the sum of its task runs\' costs plus its run-level components', async () => {
    const runId = await startRun(alice, { flow_name: 'retrying', flow_version: '1.0.0' });
    const run = await waitFor('the run to end', () => getRun(alice, runId), (r) => terminal(r.status) && r.cost !== null);
    expect(run.status).toBe('SUCCEEDED');
    const flaky = run.task_runs.find((t: { task_name: string }) => t.task_name === 'flaky');
    expect(flaky.attempt).toBe(2);
    for (const t of run.task_runs) {
      expect(t.cost.total_usd).toBeGreaterThan(0);
      expect(t.cost.price_region).toBe('us-east-1');
      // Each task ran on its own task-runner invocation (step-functions executor).
      expect(t.cost.components.lambda_gb_seconds.quantity).toBeGreaterThan(0);
    }
    const taskSum = run.task_runs.reduce((acc: number, t: { cost: { total_usd: number } }) => acc + pico(t.cost.total_usd), 0);
    expect(pico(run.cost.task_runs_usd)).toBe(taskSum);
    expect(pico(run.cost.total_usd)).toBe(taskSum + pico(run.cost.run_level.total_usd));
    expect(run.cost.run_level.components.step_functions_transitions.quantity).toBeGreaterThanOrEqual(5);
    // The retried task made two attempts: twice the events of a task that ran once.
    const one = run.task_runs.find((t: { task_name: string }) => t.task_name === 'one');
    expect(flaky.cost.components.eventbridge_events.quantity).toBe(2 * one.cost.components.eventbridge_events.quantity);
    // The component totals add up to the run's total.
    const components = Object.values(run.cost.components as Record<string, { usd: number }>).reduce((acc, c) => acc + pico(c.usd), 0);
    expect(components).toBe(pico(run.cost.total_usd));
  });

  it('a cancelled run records its cost too', async () => {
    const runId = await startRun(alice, { flow_name: 'slow', flow_version: '1.0.0' });
    await waitFor('the slow task to start', () => getRun(alice, runId), (r) => r.task_runs.some((t: { status: string }) => t.status === 'RUNNING'));
    const cancelled = await alice.api.post(`/v1/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    const run = await getRun(alice, runId);
    expect(run.status).toBe('CANCELLED');
    expect(run.cost).not.toBeNull();
    const taskSum = run.task_runs.reduce((acc: number, t: { cost: { total_usd: number } }) => acc + pico(t.cost.total_usd), 0);
    expect(pico(run.cost.total_usd)).toBe(taskSum + pico(run.cost.run_level.total_usd));
  });

  it('after 100 runs, 20 at a time, the aggregates equal the sum of the events', async () => {
    // The earlier tests' last events may still wait in the meter's queue (its batching window).
    await platform.bus.drain();
    const before = (await usage(alice)).metrics;
    const runIds: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      runIds.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => startRun(alice, { flow_name: 'pair', flow_version: '1.0.0', parameters: { n: wave * 20 + i } })))));
    }
    expect(new Set(runIds).size).toBe(100);
    // Read one run at a time (they all run at once on the platform): 100 pollers would only add load.
    const runs = [];
    for (const id of runIds) runs.push(await waitFor(`run ${id}`, () => getRun(alice, id), (r) => terminal(r.status) && r.cost !== null, 3000));
    // On an overloaded machine a run may fail (a runner timing out): it is metered all the same.
    const failed = runs.filter((r) => r.status !== 'SUCCEEDED');
    if (failed.length > 0) console.warn('runs that did not succeed', failed.map((r) => r.error_message));
    expect(failed.length).toBeLessThan(10);
    const attempts = runs.reduce((acc, r) => acc + r.task_runs.reduce((a: number, t: { attempt: number }) => a + t.attempt, 0), 0);
    const finished = (before.runs_finished ?? 0) + 100;
    const wantedAttempts = (before['task_attempts.lambda'] ?? 0) + attempts;
    const after = await waitFor('the usage meter to count every run', () => usage(alice), (u) => u.metrics.runs_finished === finished && u.metrics['task_attempts.lambda'] === wantedAttempts);
    await platform.bus.drain();
    const { metrics, period } = await usage(alice);
    expect(metrics).toEqual(after.metrics);
    expect(metrics.runs_started).toBe((before.runs_started ?? 0) + 100);
    expect((metrics.runs_succeeded ?? 0) - (before.runs_succeeded ?? 0)).toBe(100 - failed.length);

    const events = await allEvents(alice, period);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    const sums: Record<string, number> = {};
    for (const e of events) for (const [m, v] of Object.entries(e.metrics)) sums[m] = (sums[m] ?? 0) + v;
    expect(Object.keys(sums).sort()).toEqual(Object.keys(metrics).sort());
    for (const [m, v] of Object.entries(metrics)) expect(v).toBeCloseTo(sums[m]!, 9);
    // The cost aggregate is the sum of the runs' recorded costs.
    const newCost = runs.reduce((acc, r) => acc + r.cost.total_usd, 0);
    expect(metrics.cost_usd - (before.cost_usd ?? 0)).toBeCloseTo(newCost, 9);
    expect((await usage(alice)).cost_usd).toBe(metrics.cost_usd);
  }, 600_000);

  it('a duplicated event does not count twice', async () => {
    await platform.bus.drain();
    const delivered = platform.bus.delivered.map((d) => d.event).filter((e: BusEvent) => e['detail-type'] === 'Task Run Status Changed' && (e.detail as { org_id: string; status: string }).org_id === alice.org_id && (e.detail as { status: string }).status === 'SUCCEEDED');
    const finishedRun = platform.bus.delivered.map((d) => d.event).find((e: BusEvent) => e['detail-type'] === 'Run Status Changed' && (e.detail as { org_id: string; status: string }).org_id === alice.org_id && (e.detail as { status: string }).status === 'SUCCEEDED');
    expect(delivered.length).toBeGreaterThan(0);
    // The meter's queue hands out batches of the bus events (EventBridge's SQS target sends the whole event).
    let next = 0;
    const batch = (...events: BusEvent[]) => ({ Records: events.map((e) => ({ messageId: `m${next++}`, body: JSON.stringify(e) })) });
    // Delivered once more first: if an earlier delivery was lost (an overloaded machine), this one counts it.
    await platform.invoke('usage-meter', batch(delivered[0]!, finishedRun!));
    const before = (await usage(alice)).metrics;
    const again = await Promise.all([batch(delivered[0]!, delivered[0]!, delivered[0]!), batch(finishedRun!, finishedRun!), batch(delivered[0]!, finishedRun!)].map((b) => platform.invoke('usage-meter', b)));
    // Every record settled (nothing to receive again), and nothing counted twice.
    expect(again).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect((await usage(alice)).metrics).toEqual(before);
  });

  it('pages through a period day by day, oldest first; concurrent writers of one counter lose nothing', async () => {
    const repo = new UsageRepository({ ddb, eventsTable: platform.resources.tables.UsageEvent, aggregatesTable: platform.resources.tables.UsageAggregate, clock: systemClock });
    const times = ['2025-03-01T00:00:00.000Z', '2025-03-01T10:00:00.000Z', '2025-03-02T09:00:00.000Z', '2025-03-17T12:00:00.000Z', '2025-03-31T23:59:59.999Z'];
    // 5 events × 10 concurrent copies each: one count per event.
    const recorded = await Promise.all(
      times.flatMap((t, i) =>
        Array.from({ length: 10 }, () =>
          repo.record({
            org_id: alice.org_id,
            event_id: `test:${i}`,
            event_time: t,
            period: '2025-03',
            event_type: 'task_attempt',
            resource_type: 'task_run',
            resource_id: `tr_${i}`,
            metrics: { 'task_seconds.lambda': 1.5, 'task_attempts.lambda': 1 },
            attributes: {},
          }),
        ),
      ),
    );
    expect(recorded.filter(Boolean)).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: Array<{ event_time: string }>; next_cursor: string | null } } = await alice.api.get(`/v1/usage/events?period=2025-03&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e) => e.event_time));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(seen).toEqual(times);
    expect((await alice.api.get('/v1/usage?period=2025-03')).body.metrics).toEqual({ 'task_seconds.lambda': 7.5, 'task_attempts.lambda': 5 });
    // Another organization cannot continue this organization's listing with its cursor.
    const first = await alice.api.get('/v1/usage/events?period=2025-03&limit=1');
    const stolen = await bob.api.get(`/v1/usage/events?period=2025-03&limit=1&cursor=${first.body.next_cursor}`);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.details[0].path).toBe('cursor');
  });

  it('another organization sees none of it', async () => {
    const other = await usage(bob);
    expect(other.metrics).toEqual({});
    expect((await bob.api.get('/v1/usage/events')).body.items).toEqual([]);
  });

  it('a period that is not YYYY-MM is a 400 naming the field', async () => {
    for (const bad of ['2026-13', '2026-1', 'last-month', '2026-11-01']) {
      for (const path of ['/v1/usage', '/v1/usage/events']) {
        const res = await alice.api.get(`${path}?period=${bad}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'period' })]);
      }
    }
    const cursor = await alice.api.get('/v1/usage/events?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details[0].path).toBe('cursor');
    // A past period with nothing in it is empty, not an error.
    expect((await alice.api.get('/v1/usage?period=2020-01')).body).toEqual({ period: '2020-01', metrics: {}, cost_usd: 0, monthly_budget_usd: null });
  });

  it('once the monthly budget is spent, new runs are refused with 402 and nothing starts (manual and sensor alike)', async () => {
    const table = platform.resources.tables.Subscription;
    const { cost_usd: spent } = await usage(alice);
    expect(spent).toBeGreaterThan(0);
    const sensor = await alice.api.post('/v1/sensors', { name: 'hook', sensor_type: 'webhook', flow_name: 'pair', flow_version: '1.0.0', config: {} });
    expect(sensor.status).toBe(201);
    // A budget above what was spent admits runs.
    await ddb.send(new PutCommand({ TableName: table, Item: { org_id: alice.org_id, monthly_budget_usd: spent * 2 } }));
    expect((await usage(alice)).monthly_budget_usd).toBe(spent * 2);
    const admitted = await startRun(alice, { flow_name: 'pair', flow_version: '1.0.0' });
    await waitFor('the admitted run', () => getRun(alice, admitted), (r) => terminal(r.status));

    await ddb.send(new PutCommand({ TableName: table, Item: { org_id: alice.org_id, monthly_budget_usd: spent } }));
    const refused = await alice.api.post('/v1/runs', { flow_name: 'pair', flow_version: '1.0.0' });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('budget_exceeded');
    const hook = await alice.api.post(`/v1/hooks/${sensor.body.webhook_token}`, { n: 1 });
    expect(hook.status).toBe(402);
    expect(hook.body.error.code).toBe('budget_exceeded');
    // Nothing was created: the newest run is still the admitted one.
    const newest = (await alice.api.get('/v1/runs?limit=1')).body.items;
    expect(newest.map((r: { run_id: string }) => r.run_id)).toEqual([admitted]);
    // Another organization's runs are not affected by this budget.
    await bob.api.post('/v1/flows', { flow_name: 'pair', flow_version: '1.0.0', default_executor: 'lambda', flow_spec: { tasks: [{ name: 'one', type: 'code', handler: 'tasks/t.mjs:one' }], edges: [] }, artifact });
    expect((await bob.api.post('/v1/runs', { flow_name: 'pair', flow_version: '1.0.0' })).status).toBe(202);

    await ddb.send(new DeleteCommand({ TableName: table, Key: { org_id: alice.org_id } }));
    expect((await alice.api.post('/v1/runs', { flow_name: 'pair', flow_version: '1.0.0' })).status).toBe(202);
  }, 60_000);
});
