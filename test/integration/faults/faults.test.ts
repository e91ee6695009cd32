import { localEcsOf } from '../../../local/ecs/local-ecs';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import type { ReconcileReport } from '../../../lambdas/execution/reconciler/reconcile';
import { expectNoOpenTaskRun } from '../execution/executors-scenarios';
import {
  createQueuedRun,
  getRun,
  registerFlow,
  startExecution,
  startExecutorFixture,
  startRun,
  taskRun,
  waitForRun,
  type ExecutorFixture,
  type RunView,
} from '../execution/executors-support';
import { createFaultInjector, isDynamoWrite, throttleError } from '../../../local/fault-injection';
import type { Clock } from '../../../lambdas/shared/clock';

/*
 * Faults injected into the local platform while runs execute. In each case every run reaches a
 * terminal state within the reconcile window (the reconciler invoked as its rule would, more
 * often), and no completion that was recorded is lost.
 */
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The platform's clock: real time plus what the test lets pass at once (a lost attempt's grace). */
class OffsetClock implements Clock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
}

describe('fault injection', () => {
  let fx: ExecutorFixture;
  const faults = createFaultInjector();
  const clock = new OffsetClock();
  beforeAll(async () => {
    fx = await startExecutorFixture({ awsMiddleware: faults.middleware, clock });
    // Retries of the state machine without their backoff, so the test measures behaviour, not waits.
    localStepFunctionsOf(fx.platform.emulator).configure({ retryIntervalOverrides: { Start: 50, Advance: 50, Finalize: 50, ContinueAsNew: 50 } });
  }, 60_000);
  afterEach(() => {
    faults.clear();
    clock.offsetMs = 0;
  });
  afterAll(async () => {
    await fx?.platform.stop();
  });

  const reconcile = async () => (await fx.platform.invoke('run-reconciler', { options: { staleAfterMs: 2_000 } })) as ReconcileReport;

  /** Runs of the flow started as the run starter does, with a short heartbeat (a stalled loop looks again soon). */
  async function startRuns(flow: { flow_name: string; flow_version: string }, tasks: string[], count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, tasks, { parameters: { start: i } });
      await startExecution(fx.platform, runId, { org_id: fx.tenant.org_id, run_id: runId, options: { heartbeat_seconds: 2 } });
      ids.push(runId);
    }
    return ids;
  }

  /**
   * Polls until every run is terminal, sweeping with the reconciler meanwhile; remembers every
   * SUCCEEDED task run seen on the way, and checks none of them is lost at the end. When runs are
   * still open after `graceAfterMs`, the platform's clock jumps past the lost-attempt grace (a
   * Lambda attempt's result is awaited for its timeout plus 60 s): what a real minute would do.
   */
  async function settleAll(runIds: string[], limitMs: number, graceAfterMs = Infinity): Promise<{ runs: RunView[]; settledMs: number }> {
    let graceGiven = false;
    const started = Date.now();
    const succeeded = new Map<string, string | null>();
    let lastSweep = 0;
    for (;;) {
      const runs = await Promise.all(runIds.map((id) => getRun(fx.api, id)));
      for (const run of runs) for (const t of run.task_runs) if (t.status === 'SUCCEEDED') succeeded.set(`${run.run_id}/${t.task_name}`, t.output_ref);
      if (runs.every((r) => TERMINAL.has(r.status))) {
        for (const run of runs) {
          expectNoOpenTaskRun(run);
          for (const t of run.task_runs) {
            const key = `${run.run_id}/${t.task_name}`;
            if (succeeded.has(key)) expect({ key, status: t.status, output_ref: t.output_ref }).toEqual({ key, status: 'SUCCEEDED', output_ref: succeeded.get(key) });
          }
        }
        return { runs, settledMs: Date.now() - started };
      }
      if (Date.now() - started > limitMs) throw new Error(`not settled: ${runs.filter((r) => !TERMINAL.has(r.status)).map((r) => `${r.run_id}:${r.status}`).join(', ')}`);
      if (!graceGiven && Date.now() - started > graceAfterMs) {
        graceGiven = true;
        clock.offsetMs += 65_000;
      }
      if (Date.now() - lastSweep > 3_000) {
        lastSweep = Date.now();
        await reconcile();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test('the orchestrator throws once in the middle of an advance: the step is retried and the run succeeds', async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'left', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
        { name: 'right', handler: 'add', parameters: { n: 2 }, timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'left' },
        { from: 'seed', to: 'right' },
      ],
    });
    const taskRunTable = fx.platform.resources.tables.TaskRun;
    // The orchestrator's first task-run write fails: the start of left and right (one transaction;
    // seed, dispatched alone, was started by its runner). The advance has already read the task
    // runs and parked its token when it throws.
    const rule = faults.add({
      match: (call) => call.functionName === 'run-orchestrator' && isDynamoWrite(call) && JSON.stringify(call.input).includes(taskRunTable),
      rate: 1,
      times: 1,
      error: throttleError,
    });
    const [runId] = await startRuns(flow, ['seed', 'left', 'right'], 1);
    const { runs } = await settleAll([runId!], 60_000);
    expect(rule.failed).toHaveLength(1);
    expect(runs[0]!.status).toBe('SUCCEEDED');
    for (const name of ['seed', 'left', 'right']) expect(taskRun(runs[0]!, name).attempt).toBe(1);
    // Finalize records the run before its execution ends: wait for the execution's own end.
    expect((await localStepFunctionsOf(fx.platform.emulator).settled(runs[0]!.external_id!))?.status).toBe('SUCCEEDED');
  }, 90_000);

  test("a completion's change-set write fails (so its wake-up is lost): the next heartbeat reads every task run and finds it", async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'a', handler: 'seed', timeout_seconds: 30 },
        { name: 'b', handler: 'seed', timeout_seconds: 30 },
      ],
    });
    const org = fx.tenant.org_id;
    const runTable = fx.platform.resources.tables.Run;
    const names = (call: { input: unknown }) => JSON.stringify((call.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[':names'] ?? null, (_k, v: unknown) => (v instanceof Set ? [...v] : v));
    // Task a's runner records its result, then its change-set write (which would wake the loop) fails.
    const rule = faults.add({
      match: (call) =>
        call.functionName === 'task-runner' &&
        (call.input as { TableName?: string }).TableName === runTable &&
        String((call.input as { UpdateExpression?: string }).UpdateExpression).includes('changed_tasks') &&
        names(call).includes('"a"'),
      rate: 1,
      times: 1,
      error: throttleError,
    });
    const runId = await createQueuedRun(fx.platform, org, flow, ['a', 'b'], { parameters: { start: 1 } });
    const t0 = Date.now();
    const arn = await startExecution(fx.platform, runId, { org_id: org, run_id: runId, options: { heartbeat_seconds: 2 } });
    const run = await waitForRun(fx.api, runId);
    const wallMs = Date.now() - t0;
    expect(rule.failed).toHaveLength(1);
    expect(run.status).toBe('SUCCEEDED');
    expect(taskRun(run, 'a')).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
    // Found by an iteration after a heartbeat, not by the attempt's deadline (30 s + grace).
    const execution = await localStepFunctionsOf(fx.platform.emulator).settled(arn);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(wallMs).toBeLessThan(20_000);
  }, 90_000);

  test('10% of DynamoDB writes answer ProvisionedThroughputExceeded for a while: every run ends, no completion lost', async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 5, retries: 1, retry_delay_seconds: 1 },
        { name: 'next', handler: 'add', parameters: { n: 1 }, timeout_seconds: 5, retries: 1, retry_delay_seconds: 1 },
      ],
      edges: [{ from: 'seed', to: 'next' }],
    });
    // Only the functions' clients are faulty: the test's own writes (creating the runs) get through.
    const rule = faults.add({ match: isDynamoWrite, rate: 0.1, times: Infinity, error: throttleError });
    const runIds = await startRuns(flow, ['seed', 'next'], 10);
    await new Promise((r) => setTimeout(r, 3_000));
    rule.stop();
    const { runs } = await settleAll(runIds, 60_000, 5_000);
    expect(rule.failed.length).toBeGreaterThan(0);
    expect(runs.every((r) => TERMINAL.has(r.status))).toBe(true);
  }, 120_000);

  test("a lambda run whose grouped task-run writes fail: the runner stops, and the run fails saying why, with no task run left open", async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 5 },
        { name: 'next', handler: 'sleepy', parameters: { ms: 3_000 }, timeout_seconds: 10 },
      ],
      edges: [{ from: 'seed', to: 'next' }],
    });
    const id = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed', 'next'], { parameters: { start: 1 }, executor: 'lambda' });
    // The runner's grouped writes of starts and successes (grouped-writes.ts) fail for this run.
    const rule = faults.add({
      match: (call) => call.functionName === 'task-runner' && call.command === 'TransactWriteItemsCommand' && JSON.stringify(call.input).includes(id),
      rate: 1,
      times: Infinity,
      error: () => Object.assign(new Error('injected: the table is unavailable'), { name: 'ServiceUnavailable' }),
    });
    const started = Date.now();
    await startExecution(fx.platform, id, { org_id: fx.tenant.org_id, run_id: id });
    const { runs } = await settleAll([id], 60_000);
    rule.stop();
    expect(rule.failed.length).toBeGreaterThan(0);
    expect(runs[0]!.status).toBe('FAILED');
    expect(runs[0]!.error_message).toContain('could not record the task runs');
    expectNoOpenTaskRun(runs[0]!);
    // Stopped at once, not after next's three seconds of sleep.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 120_000);

  test('throttled writes of results are sent again, not turned into failures: a step-functions attempt\'s success and a lambda run\'s grouped writes, throttled twice each, end SUCCEEDED at attempt 1', async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 5 },
        { name: 'next', handler: 'add', parameters: { n: 1 }, timeout_seconds: 5 },
      ],
      edges: [{ from: 'seed', to: 'next' }],
    });
    const sf = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed', 'next'], { parameters: { start: 1 } });
    const lambda = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed', 'next'], { parameters: { start: 1 }, executor: 'lambda' });
    const of = (call: { functionName: string; input: unknown }, runId: string) => call.functionName === 'task-runner' && JSON.stringify(call.input).includes(runId);
    // The step-functions runner's success writes; the lambda runner's grouped starts and successes.
    const sfRule = faults.add({ match: (call) => of(call, sf) && isDynamoWrite(call) && JSON.stringify(call.input).includes('SUCCEEDED'), rate: 1, times: 2, error: throttleError });
    const lambdaRule = faults.add({ match: (call) => of(call, lambda) && call.command === 'TransactWriteItemsCommand', rate: 1, times: 2, error: throttleError });
    await startExecution(fx.platform, sf, { org_id: fx.tenant.org_id, run_id: sf });
    await startExecution(fx.platform, lambda, { org_id: fx.tenant.org_id, run_id: lambda });
    const { runs } = await settleAll([sf, lambda], 60_000);
    expect(sfRule.failed).toHaveLength(2);
    expect(lambdaRule.failed).toHaveLength(2);
    for (const run of runs) {
      expect(run.status).toBe('SUCCEEDED');
      for (const name of ['seed', 'next']) expect(taskRun(run, name)).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
    }
  }, 90_000);

  test("the task runner's invocation dies mid-task (nothing it would record gets written): the attempt is declared lost and retried", async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 3, retries: 1, retry_delay_seconds: 1 }] });
    const id = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed'], { parameters: { start: 5 } });
    // The runner starts the attempt (its claim: a sole dispatch); every write it makes for this run
    // after that fails while the attempt runs: as if its process died before recording anything.
    const rule = faults.add({
      match: (call) => call.functionName === 'task-runner' && isDynamoWrite(call) && JSON.stringify(call.input).includes(id) && !JSON.stringify(call.input).includes('claimed_attempt'),
      rate: 1,
      times: Infinity,
      error: () => Object.assign(new Error('injected: the runner process died'), { name: 'RunnerDied' }),
    });
    await startExecution(fx.platform, id, { org_id: fx.tenant.org_id, run_id: id, options: { heartbeat_seconds: 2 } });
    await waitForRun(fx.api, id, (r) => rule.failed.length > 0 || TERMINAL.has(r.status), 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    rule.stop();
    const { runs } = await settleAll([id], 60_000, 3_000);
    expect(rule.failed.length).toBeGreaterThan(0);
    expect(runs[0]!.status).toBe('SUCCEEDED');
    expect(taskRun(runs[0]!, 'seed').attempt).toBe(2);
  }, 120_000);

  test("the task runner's invocation dies before it starts the attempt: the task is still PENDING at the next heartbeat, which dispatches it again; it runs once, as attempt 1", async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 3, retries: 1, retry_delay_seconds: 1 }] });
    const id = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed'], { parameters: { start: 5 } });
    // The runner's start of the attempt fails (a sole dispatch leaves the start to it): as if the
    // invocation were lost before any code ran.
    const rule = faults.add({
      match: (call) => call.functionName === 'task-runner' && isDynamoWrite(call) && JSON.stringify(call.input).includes(id),
      rate: 1,
      times: 1,
      error: () => Object.assign(new Error('injected: the runner process died'), { name: 'RunnerDied' }),
    });
    const started = Date.now();
    await startExecution(fx.platform, id, { org_id: fx.tenant.org_id, run_id: id, options: { heartbeat_seconds: 2 } });
    const { runs } = await settleAll([id], 60_000, 3_000);
    expect(rule.failed).toHaveLength(1);
    expect(runs[0]!.status).toBe('SUCCEEDED');
    // Not a failed attempt: no code ran. The heartbeat's dispatch was the first start.
    expect(taskRun(runs[0]!, 'seed')).toMatchObject({ status: 'SUCCEEDED', attempt: 1, output_ref: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 120_000);

  test("a sole dispatch whose runner cannot be invoked: the loop starts the attempt itself and fails it, so the retry policy counts it (attempt 2 succeeds; with no retry left the run fails saying why)", async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 5, retries: 1, retry_delay_seconds: 1 },
        { name: 'next', handler: 'add', parameters: { n: 1 }, timeout_seconds: 5 },
        { name: 'end', handler: 'add', timeout_seconds: 5 },
      ],
      // seed also feeds `end`, so next is not chained after seed in seed's runner
      // (attempt-chain.ts): the loop dispatches it alone.
      edges: [
        { from: 'seed', to: 'next' },
        { from: 'seed', to: 'end' },
        { from: 'next', to: 'end' },
      ],
    });
    const [retried, failing] = await Promise.all([0, 1].map(() => createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed', 'next', 'end'], { parameters: { start: 1 } })));
    // An orchestrator's invocation of the task runner for this run (and task) fails once.
    const failLaunch = (runId: string, task: string) =>
      faults.add({
        match: (call) => {
          if (call.functionName !== 'run-orchestrator' || call.command !== 'InvokeCommand') return false;
          const payload = Buffer.from((call.input as { Payload: Uint8Array }).Payload).toString('utf8');
          return payload.includes(runId) && payload.includes(`"task_name":"${task}"`);
        },
        rate: 1,
        times: 1,
        error: () => Object.assign(new Error('injected: Lambda is unavailable'), { name: 'ServiceException' }),
      });
    const first = failLaunch(retried!, 'seed');
    await startExecution(fx.platform, retried!, { org_id: fx.tenant.org_id, run_id: retried!, options: { heartbeat_seconds: 2 } });
    const { runs } = await settleAll([retried!], 60_000);
    expect(first.failed).toHaveLength(1);
    expect(runs[0]!.status).toBe('SUCCEEDED');
    expect(taskRun(runs[0]!, 'seed')).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });

    // next has no retry: its failed launch fails it, and the run.
    const second = failLaunch(failing!, 'next');
    await startExecution(fx.platform, failing!, { org_id: fx.tenant.org_id, run_id: failing!, options: { heartbeat_seconds: 2 } });
    const failed = (await settleAll([failing!], 60_000)).runs[0]!;
    expect(second.failed).toHaveLength(1);
    expect(failed.status).toBe('FAILED');
    expect(taskRun(failed, 'seed')).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
    expect(taskRun(failed, 'next')).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(taskRun(failed, 'next').error_message).toContain('could not start the lambda runner: injected: Lambda is unavailable');
  }, 120_000);

  test('a batch of attempts whose runner cannot be invoked: each attempt fails and its retry runs (all succeed as attempt 2)', async () => {
    const leaves = ['l0', 'l1', 'l2'];
    const flow = await registerFlow(fx.api, {
      tasks: [{ name: 'seed', timeout_seconds: 5 }, ...leaves.map((name) => ({ name, handler: 'add', timeout_seconds: 5, retries: 1, retry_delay_seconds: 1 }))],
      edges: leaves.map((to) => ({ from: 'seed', to })),
    });
    const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed', ...leaves], { parameters: { start: 1 } });
    // The orchestrator's invocation of the runner for the three leaves (one run-tasks event) fails once.
    const failed = faults.add({
      match: (call) => {
        if (call.functionName !== 'run-orchestrator' || call.command !== 'InvokeCommand') return false;
        const payload = Buffer.from((call.input as { Payload: Uint8Array }).Payload).toString('utf8');
        return payload.includes(runId) && payload.includes('"action":"run-tasks"');
      },
      rate: 1,
      times: 1,
      error: () => Object.assign(new Error('injected: Lambda is unavailable'), { name: 'ServiceException' }),
    });
    await startExecution(fx.platform, runId, { org_id: fx.tenant.org_id, run_id: runId, options: { heartbeat_seconds: 2 } });
    const run = (await settleAll([runId], 60_000)).runs[0]!;
    expect(failed.failed).toHaveLength(1);
    expect(run.status).toBe('SUCCEEDED');
    for (const leaf of leaves) expect(taskRun(run, leaf)).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
  }, 120_000);

  test('an ECS task stopped from outside: the run ends FAILED with its tasks settled', async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 60 },
        { name: 'slow', handler: 'sleepy', parameters: { ms: 30_000 }, timeout_seconds: 60 },
      ],
      edges: [{ from: 'seed', to: 'slow' }],
    });
    const started = await startRun(fx.api, { ...flow, executor: 'ecs', parameters: { start: 1 } });
    await waitForRun(fx.api, started.run_id, (r) => taskRun(r, 'slow').status === 'RUNNING' || TERMINAL.has(r.status), 60_000);
    const ecs = localEcsOf(fx.platform.emulator);
    const running = ecs.list().filter((t) => t.lastStatus !== 'STOPPED');
    expect(running.length).toBeGreaterThanOrEqual(1);
    for (const task of running) ecs.stopTask(task.taskArn, 'stopped from the console');
    const { runs } = await settleAll([started.run_id], 60_000);
    expect(runs[0]!.status).toBe('FAILED');
    expect(taskRun(runs[0]!, 'seed').status).toBe('SUCCEEDED');
  }, 120_000);

  test("StartExecution unavailable when a run is started: the run stays QUEUED (not FAILED) and the reconciler starts it; a refusal that will not pass fails it saying why", async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 30 }] });
    const startExecutionOf = (call: { service: string; command: string; functionName: string }) =>
      call.functionName === 'http-execution' && call.service === 'sfn' && call.command === 'StartExecutionCommand';
    const unavailable = faults.add({
      match: startExecutionOf,
      rate: 1,
      times: 1,
      error: () => Object.assign(new Error('injected: Step Functions unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
    });
    const queued = await startRun(fx.api, { ...flow, executor: 'step-functions', parameters: { start: 4 } });
    expect(unavailable.failed).toHaveLength(1);
    expect(queued).toMatchObject({ status: 'QUEUED', external_id: null });
    expect((await getRun(fx.api, queued.run_id)).status).toBe('QUEUED');
    // Once it has waited the threshold (2 s here), the sweep starts it: one execution, named after it.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await reconcile()).started).toContain(queued.run_id);
    const run = await waitForRun(fx.api, queued.run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(localStepFunctionsOf(fx.platform.emulator).list().filter((e) => e.name.startsWith(queued.run_id)).map((e) => e.name)).toEqual([queued.run_id]);
    // Its slot came back with its end.
    expect((await fx.api.get('/v1/subscription')).body.usage.active_runs).toBe(0);

    // Refused for good (the state machine is gone): FAILED at once, with the reason.
    faults.add({
      match: startExecutionOf,
      rate: 1,
      times: 1,
      error: () => Object.assign(new Error('State Machine Does Not Exist (injected)'), { name: 'StateMachineDoesNotExist', $metadata: { httpStatusCode: 400 } }),
    });
    const refused = await startRun(fx.api, { ...flow, executor: 'step-functions', parameters: { start: 4 } });
    expect(refused).toMatchObject({ status: 'FAILED', error_message: "could not start the run's execution: State Machine Does Not Exist (injected)" });
    expect((await fx.api.get('/v1/subscription')).body.usage.active_runs).toBe(0);
  }, 60_000);
});
