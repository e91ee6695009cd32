import { RUNNER_BATCH_MAX } from '../../../lambdas/execution/orchestrator/dispatch';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import { createQueuedRun, getRun, registerFlow, repositoriesOf, SLEEPER_THEN_AFTER, startExecution, startExecutorFixture, type Executor, type ExecutorFixture } from './executors-support';

/*
 * The step-functions executor's cost goals, checked on small DAGs (the bench measures bigger
 * ones): DynamoDB requests per task run ≤ 4 and state transitions per task ≤ 4, counting every
 * command the executor's functions send while the run's execution goes from StartExecution to its
 * end. The usage meter's and alert dispatcher's requests (consumers of the run's status events)
 * and the periodic functions' are not the executor's and are left out.
 */
let fx: ExecutorFixture;
// The executor's own functions. The platform's periodic ones (reconciler, lease sweeper, schedule
// evaluator, sensor poller, alert tick) fire on the minute wherever a run happens to be, so a run
// slowed by a loaded machine would otherwise count them.
const EXECUTOR_FUNCTIONS = new Set(['run-orchestrator', 'task-runner']);
let counting = false;
const counts = new Map<string, number>();
const planTables = new Set<string>();
/** Writes of costs on their own by any function (the cancel route's too), since the last reset. */
let costWritesAnywhere = 0;

beforeAll(async () => {
  fx = await startExecutorFixture({
    observeAws: (service, command, functionName, input) => {
      // The usage meter and plan admission (Subscription, UsageAggregate: counted and pinned in
      // test/integration/billing/limits.test.ts) are not the executor's requests.
      const table = (input as { TableName?: string } | undefined)?.TableName;
      if (table !== undefined && planTables.has(table)) return;
      if (writesCostsAlone(input)) costWritesAnywhere++;
      if (counting && EXECUTOR_FUNCTIONS.has(functionName)) {
        counts.set(`${service}:${command}`, (counts.get(`${service}:${command}`) ?? 0) + 1);
        if (writesCostsAlone(input)) counts.set('cost-writes', (counts.get('cost-writes') ?? 0) + 1);
        if (command === 'QueryCommand' && table === fx.platform.resources.tables.TaskRun) counts.set('task-run-queries', (counts.get('task-run-queries') ?? 0) + 1);
        if (command === 'InvokeCommand' && functionName === 'run-orchestrator') counts.set('runner-invokes', (counts.get('runner-invokes') ?? 0) + 1);
        if (command === 'UpdateItemCommand' && table === fx.platform.resources.tables.TaskRun) counts.set('task-run-updates', (counts.get('task-run-updates') ?? 0) + 1);
      }
    },
  });
  planTables.add(fx.platform.resources.tables.Subscription);
  planTables.add(fx.platform.resources.tables.UsageAggregate);
}, 60_000);
/** A write of task run costs on their own (TaskRunRepository.recordCosts: the run's ledger at its end). */
function writesCostsAlone(input: unknown): boolean {
  const i = (input ?? {}) as { UpdateExpression?: string; TransactItems?: Array<{ Update?: { UpdateExpression?: string } }> };
  const alone = (expression: string | undefined) => expression === 'SET #cost = :cost';
  return alone(i.UpdateExpression) || (i.TransactItems ?? []).some((item) => alone(item.Update?.UpdateExpression));
}

afterAll(async () => {
  await fx?.platform.stop();
});

async function measure(tasks: Array<Record<string, unknown>>, edges: Array<{ from: string; to: string }>, executor: Executor = 'step-functions', options?: Record<string, unknown>) {
  const flow = await registerFlow(fx.api, { tasks, edges }, 'cost');
  const names = tasks.map((t) => String(t.name));
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, names, { parameters: { start: 1 }, executor });
  counts.clear();
  counting = true;
  const arn = await startExecution(fx.platform, runId, { org_id: fx.tenant.org_id, run_id: runId, ...(options === undefined ? {} : { options }) });
  const execution = await localStepFunctionsOf(fx.platform.emulator).settled(arn);
  counting = false;
  const run = await getRun(fx.api, runId);
  const ddb = [...counts].filter(([k]) => k.startsWith('ddb:')).reduce((sum, [, n]) => sum + n, 0);
  return {
    run,
    ddb,
    ddbPerTask: ddb / names.length,
    queries: counts.get('ddb:QueryCommand') ?? 0,
    taskRunQueries: counts.get('task-run-queries') ?? 0,
    batchGets: counts.get('ddb:BatchGetItemCommand') ?? 0,
    updates: counts.get('ddb:UpdateItemCommand') ?? 0,
    taskRunUpdates: counts.get('task-run-updates') ?? 0,
    runnerInvokes: counts.get('runner-invokes') ?? 0,
    transactions: counts.get('ddb:TransactWriteItemsCommand') ?? 0,
    costWrites: counts.get('cost-writes') ?? 0,
    putEvents: counts.get('events:PutEventsCommand') ?? 0,
    sendTaskSuccess: counts.get('sfn:SendTaskSuccessCommand') ?? 0,
    iterations: execution!.stateCounts.Advance ?? 0,
    transitionsPerTask: execution!.transitions / names.length,
  };
}

test("a 16-task chain runs in its first step's runner: its steps' successes and starts written together, a few transactions in all; two loop iterations, one runner invocation", async () => {
  const names = Array.from({ length: 16 }, (_, i) => `c${i}`);
  const { run, ddbPerTask, queries, iterations, transitionsPerTask, putEvents, transactions, runnerInvokes, sendTaskSuccess } = await measure(
    names.map((name, i) => ({ name, handler: i === 0 ? 'seed' : 'add', timeout_seconds: 30 })),
    names.slice(1).map((name, i) => ({ from: names[i]!, to: name })),
  );
  expect(run.status).toBe('SUCCEEDED');
  expect(run.task_runs.every((t) => t.status === 'SUCCEEDED' && t.attempt === 1 && t.executor === 'lambda')).toBe(true);
  // The loop dispatches c0 with the chain after it (orchestrator/chain-plan.ts) and hears of the
  // run again when c15 ends: one iteration to start, one to finish. Before, one iteration per task.
  expect(iterations).toBe(2);
  expect(runnerInvokes).toBe(1);
  expect(sendTaskSuccess).toBeLessThanOrEqual(2);
  // Each step after the first is started in the transaction that records its upstream's success,
  // and short steps' transitions wait a moment to go together (task-runner/grouped-writes.ts): a
  // few transactions for the whole chain (2 on a quiet machine; one per step without the wait).
  // c0's start is its claim. The run's own requests (start, park, finalize, the admission's
  // release) are spread over the tasks. 2.4 per task before the chain.
  expect(transactions).toBeLessThanOrEqual(names.length / 2);
  expect(ddbPerTask).toBeLessThanOrEqual(1);
  // Two reads of the task runs, and Finalize's look for the organization's waiting runs (run-queue.ts).
  expect(queries).toBeLessThanOrEqual(3);
  expect(transitionsPerTask).toBeLessThanOrEqual(0.5);
  // The chain's events go out ten per request (each task's start and end, the run's two).
  expect(putEvents).toBeLessThan(names.length);
  // Each step started after its upstream ended, and ran on its output.
  const stored = new Map((await repositoriesOf(fx.platform).taskRuns.listForRun(fx.tenant.org_id, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
  for (const [i, name] of names.entries()) {
    if (i === 0) continue;
    const t = stored.get(name)!;
    expect(Date.parse(t.started_at!)).toBeGreaterThanOrEqual(Date.parse(stored.get(names[i - 1]!)!.completed_at!));
    expect(JSON.parse(t.output_json!)).toEqual({ value: 1, from: [names[i - 1]] });
  }
}, 60_000);

test("a chain hands back to the loop once half the loop's heartbeat has passed: the loop starts the rest with the chain after it", async () => {
  // Heartbeat 2 s: a chain runs for at most 1 s before the loop hears of it. Steps of ~0.7 s: s0
  // and s1 in the first runner (1.4 s), then s2 and s3 in a second.
  const names = ['s0', 's1', 's2', 's3'];
  const { run, runnerInvokes } = await measure(
    names.map((name) => ({ name, handler: 'sleepy', parameters: { ms: 700 }, timeout_seconds: 30 })),
    names.slice(1).map((name, i) => ({ from: names[i]!, to: name })),
    'step-functions',
    { heartbeat_seconds: 2 },
  );
  expect(run.status).toBe('SUCCEEDED');
  expect(run.task_runs.every((t) => t.status === 'SUCCEEDED' && t.attempt === 1)).toBe(true);
  expect(runnerInvokes).toBe(2);
}, 60_000);

test('a 16-step ladder (each step also feeds a last task, so only that one chains): at most 2.5 DynamoDB requests (the runner\'s start of its attempt, which is its claim, and the completion) and 4 state transitions per task run', async () => {
  const names = Array.from({ length: 16 }, (_, i) => `c${i}`);
  const { run, ddbPerTask, queries, iterations, transitionsPerTask, putEvents, transactions } = await measure(
    [...names.map((name, i) => ({ name, handler: i === 0 ? 'seed' : 'add', timeout_seconds: 30 })), { name: 'end', handler: 'add', timeout_seconds: 30 }],
    [...names.slice(1).map((name, i) => ({ from: names[i]!, to: name })), ...names.map((from) => ({ from, to: 'end' }))],
  );
  expect(run.status).toBe('SUCCEEDED');
  expect(run.task_runs.every((t) => t.status === 'SUCCEEDED' && t.attempt === 1 && t.executor === 'lambda')).toBe(true);
  // One iteration per step, plus the one that finds the run done: `end` waits for every step, and
  // is c15's only downstream, so c15's runner starts it with c15's success (the one chained step).
  expect(iterations).toBe(names.length + 1);
  expect(transactions).toBe(1);
  // Each step is dispatched alone, so its runner starts the attempt in the write that claims it
  // (the conditional write that makes an attempt run at most once); then its completion. Only the
  // first iteration reads the task runs: each later one is woken by the only running task's
  // completion, which brings its record (advance.ts, the loop view). The third: Finalize's look for
  // the organization's waiting runs (run-queue.ts).
  expect(queries).toBeLessThanOrEqual(3);
  expect(ddbPerTask).toBeLessThanOrEqual(2.5);
  expect(transitionsPerTask).toBeLessThanOrEqual(4);
  // A trivial attempt's start and end events go out in one request (single-task.ts; a start whose
  // attempt outlasts the wait goes alone, some on a loaded machine: the full suite's two workers
  // made 4 of 16 outlast 100 ms), and the run's own (its start and end) one each. Two requests per
  // task before.
  expect(putEvents).toBeLessThanOrEqual(1.5 * (names.length + 1) + 2);
}, 60_000);

test("lambda: a chain's short attempts are started and ended in a few grouped writes, each with its attempt's own start time", async () => {
  const names = Array.from({ length: 16 }, (_, i) => `c${i}`);
  const { run, taskRunUpdates, transactions } = await measure(
    names.map((name, i) => ({ name, handler: i === 0 ? 'seed' : 'add', timeout_seconds: 30 })),
    names.slice(1).map((name, i) => ({ from: names[i]!, to: name })),
    'lambda',
  );
  expect(run.status).toBe('SUCCEEDED');
  const stored = await repositoriesOf(fx.platform).taskRuns.listForRun(fx.tenant.org_id, run.run_id, { consistent: true });
  const byName = new Map(stored.map((t) => [t.task_name, t]));
  for (const [i, name] of names.entries()) {
    const t = byName.get(name)!;
    expect(t).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', attempt: 1, executor: 'lambda' });
    expect(Date.parse(t.started_at!)).toBeLessThanOrEqual(Date.parse(t.completed_at!));
    // Started when its attempt started (after its upstream ended), not when its write went out.
    if (i > 0) expect(Date.parse(t.started_at!)).toBeGreaterThanOrEqual(Date.parse(byName.get(names[i - 1]!)!.completed_at!));
  }
  // The runner's starts and successes wait a quarter second and go together (whole-dag.ts,
  // grouped-writes.ts): a few transactions for the whole chain (1 on a quiet machine). One write per
  // task before, two before that.
  expect(transactions).toBeGreaterThanOrEqual(1);
  expect(transactions + taskRunUpdates).toBeLessThanOrEqual(names.length / 2);
}, 60_000);

test('a fan-out of 24 tasks then a join: DynamoDB requests stay within 4 per task run plus 2 per loop iteration; iterations read only what changed', async () => {
  // How completions batch into iterations depends on timing; the accounting does not: a task run
  // costs its start, its completion and at most one write to the Run's change set (when the loop
  // moved on since its dispatch; the write answers the parked token); an iteration costs its park
  // and one read of the task runs that changed; the runner's claim of the attempt adds one per task
  // run. Four more for the run's own transitions and stragglers, and up to four for the plan-limit
  // admission's release when the run ends.
  const leaves = Array.from({ length: 24 }, (_, i) => `leaf${i}`);
  const tasks = [{ name: 'root', handler: 'seed', timeout_seconds: 30 }, ...leaves.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })), { name: 'join', handler: 'add', timeout_seconds: 30 }];
  const { run, ddb, updates, transactions, costWrites, iterations, transitionsPerTask, taskRunQueries, batchGets, sendTaskSuccess, runnerInvokes, putEvents } = await measure(
    tasks,
    [...leaves.map((leaf) => ({ from: 'root', to: leaf })), ...leaves.map((leaf) => ({ from: leaf, to: 'join' }))],
  );
  expect(run.status).toBe('SUCCEEDED');
  expect(run.task_runs.find((t) => t.task_name === 'join')).toMatchObject({ status: 'SUCCEEDED' });
  expect(iterations).toBeLessThanOrEqual(tasks.length + 1);
  expect(ddb).toBeLessThanOrEqual(4 * tasks.length + 2 * iterations + 8);
  // The ready leaves start together (one TransactWriteItems per iteration that starts several), so
  // single updates are the claims and completions, the root's and the join's starts, the parks,
  // and the run's own few: one UpdateItem per start would add about 24. The run's cost ledger adds
  // none: each task run's cost rode on its terminal write.
  expect(transactions).toBeGreaterThanOrEqual(1);
  expect(costWrites).toBe(0);
  // Claims and completions, a change-set write per leaf at most, the parks, the root's and the join's starts, the run's own few.
  expect(updates).toBeLessThanOrEqual(2 * tasks.length + leaves.length + 2 + iterations + 6);
  // Each iteration reads the task runs once: whole (a Query) or only those its change set and
  // signal name (one BatchGetItem). Whole when it has no view to start from: the first iteration,
  // and the first that parks after the iteration that started the leaves (woken by the root alone,
  // it did not park). One woken while the iteration before it is still at work (a completion
  // redeemed that one's token first) waits for it in this container and starts from its view
  // (advanceRun): in AWS it would run in another container and read everything.
  expect(taskRunQueries + batchGets).toBeLessThanOrEqual(iterations);
  expect(taskRunQueries).toBeLessThanOrEqual(2);
  expect(batchGets).toBeGreaterThanOrEqual(1);
  expect(transitionsPerTask).toBeLessThanOrEqual(4);
  // Only the first completion since a park redeems the loop's token (loop-protocol.ts): one
  // SendTaskSuccess per iteration, not one per task, most of them on a token already redeemed.
  expect(sendTaskSuccess).toBeLessThanOrEqual(iterations + 1);
  // The 24 leaves, started together, go to their runners RUNNER_BATCH_MAX (8) per invocation, whose
  // claims go in one transaction and whose events ten per request: 26 invocations before (one
  // per attempt), 5 now (the root's, three batches, the join's). One more in about one run of six,
  // before and after batching alike: a leaf's wake that reaches the loop after the iteration that
  // read it parked wakes one more iteration, which runs before that one is done and so reads
  // every task run, finds the join still PENDING (its runner starts it) and sends it again; the
  // second start loses, so its code runs once.
  expect(runnerInvokes).toBeLessThanOrEqual(2 + Math.ceil(leaves.length / RUNNER_BATCH_MAX) + 1);
  expect(putEvents).toBeLessThan(leaves.length);
}, 60_000);

describe.each<Executor>(['step-functions', 'lambda'])('%s: each task run\'s cost rides on its terminal write', (executor) => {
  test('a success, a failure and a skip are priced as they end: the run\'s ledger has no cost left to write', async () => {
    const tasks = [
      { name: 'seed', handler: 'seed', timeout_seconds: 30 },
      { name: 'boom', timeout_seconds: 30 },
      { name: 'after', handler: 'add', timeout_seconds: 30 },
      { name: 'side', handler: 'add', timeout_seconds: 30 },
    ];
    const { run, costWrites } = await measure(tasks, [
      { from: 'seed', to: 'boom' },
      { from: 'boom', to: 'after' },
      { from: 'seed', to: 'side' },
    ], executor);
    expect(run.status).toBe('FAILED');
    const byName = new Map(run.task_runs.map((t) => [t.task_name, t]));
    expect(['seed', 'boom', 'after', 'side'].map((n) => byName.get(n)?.status)).toEqual(['SUCCEEDED', 'FAILED', 'SKIPPED', 'SUCCEEDED']);
    // The close recomputes every cost from the records and writes any that differ: none did.
    expect(costWrites).toBe(0);
    for (const t of run.task_runs) expect([t.task_name, t.cost?.total_usd]).toEqual([t.task_name, expect.any(Number)]);
    const pico = (usd: number) => Math.round(usd * 1e12);
    expect(pico(run.cost!.task_runs_usd)).toBe(run.task_runs.reduce((acc, t) => acc + pico(t.cost!.total_usd), 0));
  }, 60_000);
});

test("a cancelled run's settled task runs carry their costs from the writes that settle them: the ledger the cancel closes writes none", async () => {
  const flow = await registerFlow(fx.api, SLEEPER_THEN_AFTER, 'cancel-cost');
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['sleeper', 'after']);
  const arn = await startExecution(fx.platform, runId, { org_id: fx.tenant.org_id, run_id: runId });
  for (let i = 0; i < 200 && (await getRun(fx.api, runId)).task_runs.find((t) => t.task_name === 'sleeper')?.status !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));
  costWritesAnywhere = 0;
  expect((await fx.api.post(`/v1/runs/${runId}/cancel`)).status).toBe(200);
  await localStepFunctionsOf(fx.platform.emulator).settled(arn);
  const run = await getRun(fx.api, runId);
  expect(run.status).toBe('CANCELLED');
  expect(run.task_runs.map((t) => [t.task_name, t.status])).toEqual([['after', 'SKIPPED'], ['sleeper', 'FAILED']]);
  for (const t of run.task_runs) expect([t.task_name, t.cost?.total_usd]).toEqual([t.task_name, expect.any(Number)]);
  expect(costWritesAnywhere).toBe(0);
}, 60_000);

test("ecs: a container's report of a fan-out is recorded with each task run's cost (started and ended together): the run's ledger has no cost left to write", async () => {
  const leaves = Array.from({ length: 8 }, (_, i) => `leaf${i}`);
  const { run, costWrites, transactions, updates } = await measure(
    [{ name: 'seed', handler: 'seed', timeout_seconds: 30 }, ...leaves.map((name) => ({ name, handler: 'add', timeout_seconds: 30 }))],
    leaves.map((to) => ({ from: 'seed', to })),
    'ecs',
  );
  expect(run.status).toBe('SUCCEEDED');
  for (const t of run.task_runs) expect([t.task_name, t.status, t.cost?.total_usd]).toEqual([t.task_name, 'SUCCEEDED', expect.any(Number)]);
  expect(costWrites).toBe(0);
  // However the container's snapshots fell, its nine task runs were written together, not one by one.
  expect(transactions).toBeGreaterThanOrEqual(1);
  expect(updates).toBeLessThan(run.task_runs.length);
}, 60_000);
