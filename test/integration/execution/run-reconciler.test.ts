import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRunAdmission } from '../../../lambdas/billing/admission';
import { PLANS } from '../../../lambdas/billing/plans';
import { systemClock } from '../../../lambdas/shared/clock';
import type { MetricPoint } from '../../../lambdas/shared/metrics';
import type { ReconcileReport } from '../../../lambdas/execution/reconciler/reconcile';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import { expectNoOpenTaskRun } from './executors-scenarios';
import {
  createQueuedRun,
  getRun,
  registerFlow,
  repositoriesOf,
  startExecutorFixture,
  startRun,
  taskRun,
  waitForRun,
  type ExecutorFixture,
} from './executors-support';

/*
 * The run reconciler (lambdas/execution/reconciler/) on the local platform, invoked by hand as the
 * EventBridge rule does every minute: what it starts, what it finalizes, what it leaves alone.
 */
describe('run reconciler', () => {
  let fx: ExecutorFixture;
  const metrics: MetricPoint[] = [];
  beforeAll(async () => {
    fx = await startExecutorFixture({ functionMetricSink: (point) => metrics.push(point) });
  }, 60_000);
  afterAll(async () => {
    await fx?.platform.stop();
  });

  const reconcile = async (staleAfterMs = 0) =>
    (await fx.platform.invoke('run-reconciler', { options: { staleAfterMs } })) as ReconcileReport;

  test('a QUEUED run without an execution is started once, however many sweeps see it', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 30 }] });
    const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed'], { executor: 'step-functions', parameters: { start: 3 } });
    // Younger than the threshold: left to its starter.
    expect((await reconcile(60_000)).started).not.toContain(runId);
    const [first, second] = await Promise.all([reconcile(), reconcile()]);
    expect([...first.started, ...second.started].filter((id) => id === runId).length).toBeGreaterThanOrEqual(1);
    const run = await waitForRun(fx.api, runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(taskRun(run, 'seed').attempt).toBe(1);
    // One execution, named after the run.
    const executions = localStepFunctionsOf(fx.platform.emulator).list().filter((e) => e.name.startsWith(runId));
    expect(executions.map((e) => e.name)).toEqual([runId]);
    expect(run.external_id).toBe(executions[0]!.executionArn);
    // Terminal: out of the sweep for good.
    expect((await reconcile()).started).not.toContain(runId);
  }, 60_000);

  test('a QUEUED run whose flow version no longer exists fails with that reason instead of looping', async () => {
    const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, { flow_name: 'gone', flow_version: '9.9.9' }, ['a']);
    const report = await reconcile();
    expect(report.failed).toContain(runId);
    const run = await getRun(fx.api, runId);
    expect(run.status).toBe('FAILED');
    expect(run.error_message).toBe('flow version gone@9.9.9 no longer exists');
    expect((await reconcile()).failed).not.toContain(runId);
  }, 30_000);

  test('a RUNNING run whose execution was stopped from outside is finalized: completed tasks kept, open ones settled', async () => {
    const flow = await registerFlow(fx.api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'slow', handler: 'sleepy', parameters: { ms: 8_000 }, timeout_seconds: 60 },
        { name: 'after', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'slow' },
        { from: 'slow', to: 'after' },
      ],
    });
    const started = await startRun(fx.api, { ...flow, executor: 'step-functions', parameters: { start: 1 } });
    const midway = await waitForRun(fx.api, started.run_id, (r) => taskRun(r, 'slow').status === 'RUNNING');
    // Stopped behind Dagy's back (not through the cancel route): nothing finalizes the run.
    localStepFunctionsOf(fx.platform.emulator).stopExecution(midway.external_id!);
    await new Promise((r) => setTimeout(r, 200));
    expect((await getRun(fx.api, started.run_id)).status).toBe('RUNNING');

    const before = metrics.filter((m) => m.name === 'StuckRunsFound').length;
    const report = await reconcile();
    expect(report.finalized).toContain(started.run_id);
    const run = await getRun(fx.api, started.run_id);
    expect(run.status).toBe('FAILED');
    expect(run.error_message).toContain('ended ABORTED');
    expect(taskRun(run, 'seed').status).toBe('SUCCEEDED');
    expect(taskRun(run, 'slow').status).toBe('FAILED');
    expect(taskRun(run, 'after').status).toBe('SKIPPED');
    expectNoOpenTaskRun(run);
    const points = metrics.filter((m) => m.name === 'StuckRunsFound').slice(before);
    expect(points[0]).toMatchObject({ unit: 'Count' });
    expect(points[0]!.value).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test('a RUNNING run whose execution vanished with every task finished is finalized from its tasks (SUCCEEDED)', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 30 }], outputs: { v: 'seed.value' } });
    const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['seed']);
    const { runs, taskRuns } = repositoriesOf(fx.platform);
    // As a platform killed right after the last completion and before Finalize leaves it.
    await runs.transitionRun(fx.tenant.org_id, runId, ['QUEUED'], 'RUNNING', { external_id: `${fx.platform.resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}` });
    await taskRuns.start(fx.tenant.org_id, runId, 'seed', { executor: 'lambda', attempt: 0 });
    await taskRuns.succeed(fx.tenant.org_id, runId, 'seed', { output_ref: null });
    const report = await reconcile();
    expect(report.finalized).toContain(runId);
    const run = await getRun(fx.api, runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(taskRun(run, 'seed').status).toBe('SUCCEEDED');
  }, 30_000);

  test('a run whose execution is alive is left to it, and a terminal run is never touched', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'slow', handler: 'sleepy', parameters: { ms: 1500 }, timeout_seconds: 30 }] });
    const started = await startRun(fx.api, { ...flow, executor: 'step-functions' });
    await waitForRun(fx.api, started.run_id, (r) => r.status === 'RUNNING');
    const report = await reconcile();
    expect([...report.finalized, ...report.started, ...report.failed]).not.toContain(started.run_id);
    const done = await waitForRun(fx.api, started.run_id);
    expect(done.status).toBe('SUCCEEDED');
    await reconcile();
    expect((await getRun(fx.api, started.run_id)).status).toBe('SUCCEEDED');
  }, 60_000);

  test('runs waiting for a slot that no promotion will start are started by the sweep: the last release\'s promotion was lost, or a promoter took the slot and died', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'seed', timeout_seconds: 30 }] });
    const org = fx.tenant.org_id;
    const { runs } = repositoriesOf(fx.platform);
    const { Subscription, UsageAggregate } = fx.platform.resources.tables;
    const admission = createRunAdmission(DynamoDBDocumentClient.from(fx.platform.dynamodb), { subscription: Subscription, usageAggregate: UsageAggregate }, systemClock);
    const limit = PLANS.free.concurrent_runs;
    const waitingRun = async () => {
      const runId = await createQueuedRun(fx.platform, org, flow, ['seed'], { executor: 'step-functions', parameters: { start: 5 } });
      const marked = await runs.updateRunDetailed(org, runId, { queued_reason: `waiting for an execution slot: the plan allows ${limit} concurrent runs` }, { status: ['QUEUED'] });
      expect(marked.won).toBe(true);
      return runId;
    };
    // Every slot is free, and no release is coming to promote it.
    const lost = await waitingRun();
    // Its promoter took its slot, then died before starting it: other promoters pass it over.
    const held = await waitingRun();
    expect(await admission.acquireSlot(org, held, limit, undefined)).toBe('acquired');
    expect((await fx.api.get('/v1/subscription')).body.usage.active_runs).toBe(1);

    // Younger than the threshold: left to the queue.
    const early = await reconcile(60_000);
    expect(early.started.filter((id) => id === lost || id === held)).toEqual([]);
    const report = await reconcile();
    expect(report.started).toEqual(expect.arrayContaining([lost, held]));
    for (const runId of [lost, held]) {
      const run = await waitForRun(fx.api, runId);
      expect(run.status).toBe('SUCCEEDED');
      expect(localStepFunctionsOf(fx.platform.emulator).list().filter((e) => e.name.startsWith(runId)).map((e) => e.name)).toEqual([runId]);
    }
    // Every slot came back with the runs' ends; a later sweep starts nothing again.
    expect((await fx.api.get('/v1/subscription')).body.usage.active_runs).toBe(0);
    expect((await reconcile()).started.filter((id) => id === lost || id === held)).toEqual([]);
  }, 60_000);
});
