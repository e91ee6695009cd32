import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFlowSpec } from '../../../lambdas/engine';
import { FlowRepository } from '../../../lambdas/flows/flow-repository';
import { runTaskEvent } from '../../../lambdas/execution/orchestrator/dispatch';
import { createQueuedRun, registerFlow, repositoriesOf, startExecutorFixture, type ExecutorFixture } from './executors-support';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * An attempt's code runs at most once: Lambda delivers async events at least once, and a late
 * event may arrive after its attempt was retried. The task runner claims the attempt with a
 * conditional write before any code runs; a duplicate or stale delivery does nothing.
 */
let fx: ExecutorFixture;
let counter: Server;
let hits = 0;

beforeAll(async () => {
  fx = await startExecutorFixture();
  counter = createServer((_req, res) => {
    hits += 1;
    res.end('counted');
  });
  await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', () => resolve()));
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => counter.close(() => resolve()));
  await fx?.platform.stop();
});

test('the same task-runner event delivered twice (and once more, stale) runs the code once and records one result', async () => {
  const counterUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}/hit`;
  const flow = await registerFlow(fx.api, { tasks: [{ name: 'count', handler: 'countHit', timeout_seconds: 30 }] }, 'claim');
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['count'], { parameters: { counter: counterUrl } });
  const { runs, taskRuns } = repositoriesOf(fx.platform);
  // As the run state machine would: the run RUNNING, the attempt dispatched (PENDING → RUNNING, attempt 1).
  await runs.transitionRun(fx.tenant.org_id, runId, ['QUEUED'], 'RUNNING');
  expect(await taskRuns.start(fx.tenant.org_id, runId, 'count', { executor: 'lambda', attempt: 0 })).toBe(true);
  const run = (await runs.get(fx.tenant.org_id, runId))!;
  const flows = new FlowRepository(DynamoDBDocumentClient.from(fx.platform.dynamodb), fx.platform.resources.tables.Flow);
  const version = (await flows.get(fx.tenant.org_id, flow.flow_name, flow.flow_version))!;
  const task = parseFlowSpec(JSON.parse(version.flow_spec_json)).tasks[0]!;
  const event = runTaskEvent(run, task, 1, { artifact_s3_uri: version.artifact_s3_uri, code_hash: version.code_hash }, {}, { token: 'no-such-token', iteration: 1, heartbeat_seconds: 300 });

  const results = await Promise.all([fx.platform.invoke('task-runner', event), fx.platform.invoke('task-runner', event)]);
  expect(results.filter((r) => (r as { recorded: boolean }).recorded)).toHaveLength(1);
  expect(hits).toBe(1);
  const after = (await taskRuns.get(fx.tenant.org_id, runId, 'count', { consistent: true }))!;
  expect(after).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });

  // A stale delivery after the attempt settled: nothing runs, nothing changes.
  expect(await fx.platform.invoke('task-runner', event)).toEqual({ recorded: false });
  expect(hits).toBe(1);
  expect(await taskRuns.get(fx.tenant.org_id, runId, 'count', { consistent: true })).toMatchObject({ status: 'SUCCEEDED', attempt: 1, updated_at: after.updated_at });
}, 60_000);

test('an attempt its runner starts itself (a sole dispatch), delivered twice and once more stale, runs once; one whose task was skipped meanwhile runs nothing', async () => {
  const counterUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}/hit`;
  const flow = await registerFlow(fx.api, { tasks: [{ name: 'count', handler: 'countHit', timeout_seconds: 30 }, { name: 'other', handler: 'countHit', timeout_seconds: 30 }] }, 'claim-start');
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, ['count', 'other'], { parameters: { counter: counterUrl } });
  const { runs, taskRuns } = repositoriesOf(fx.platform);
  // As the loop does for a sole Lambda dispatch: the run RUNNING, the task run left PENDING.
  await runs.transitionRun(fx.tenant.org_id, runId, ['QUEUED'], 'RUNNING');
  const run = (await runs.get(fx.tenant.org_id, runId))!;
  const flows = new FlowRepository(DynamoDBDocumentClient.from(fx.platform.dynamodb), fx.platform.resources.tables.Flow);
  const version = (await flows.get(fx.tenant.org_id, flow.flow_name, flow.flow_version))!;
  const [count, other] = parseFlowSpec(JSON.parse(version.flow_spec_json)).tasks;
  const artifact = { artifact_s3_uri: version.artifact_s3_uri, code_hash: version.code_hash };
  const loop = { token: 'no-such-token', iteration: 1, heartbeat_seconds: 300, sole: true };
  const event = { ...runTaskEvent(run, count!, 1, artifact, {}, loop), starts: true as const };
  const before = hits;

  const results = await Promise.all([fx.platform.invoke('task-runner', event), fx.platform.invoke('task-runner', event)]);
  expect(results.filter((r) => (r as { recorded: boolean }).recorded)).toHaveLength(1);
  expect(hits - before).toBe(1);
  const after = (await taskRuns.get(fx.tenant.org_id, runId, 'count', { consistent: true }))!;
  expect(after).toMatchObject({ status: 'SUCCEEDED', attempt: 1, executor: 'lambda', previous_status: 'RUNNING' });
  expect(after.started_at).not.toBeNull();
  expect(await fx.platform.invoke('task-runner', event)).toEqual({ recorded: false });
  expect(hits - before).toBe(1);
  expect(await taskRuns.get(fx.tenant.org_id, runId, 'count', { consistent: true })).toMatchObject({ status: 'SUCCEEDED', attempt: 1, updated_at: after.updated_at });

  // The run was cancelled before the runner of `other` started it: its task run is SKIPPED.
  expect(await taskRuns.skip(fx.tenant.org_id, runId, 'other', { reason: 'run cancelled' })).toBe(true);
  expect(await fx.platform.invoke('task-runner', { ...runTaskEvent(run, other!, 1, artifact, {}, loop), starts: true })).toEqual({ recorded: false });
  expect(hits - before).toBe(1);
  expect(await taskRuns.get(fx.tenant.org_id, runId, 'other', { consistent: true })).toMatchObject({ status: 'SKIPPED', attempt: 0 });
}, 60_000);

test('attempts sent to one runner together (run-tasks), delivered twice, run once each; one claimed meanwhile by another delivery runs only there; the rest still run', async () => {
  const counterUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}/hit`;
  const names = ['b0', 'b1', 'b2', 'b3'];
  const flow = await registerFlow(fx.api, { tasks: names.map((name) => ({ name, handler: 'countHit', timeout_seconds: 30 })) }, 'claim-batch');
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, names, { parameters: { counter: counterUrl } });
  const { runs, taskRuns } = repositoriesOf(fx.platform);
  await runs.transitionRun(fx.tenant.org_id, runId, ['QUEUED'], 'RUNNING');
  // As the loop does for several ready tasks: all started in one request, then one runner event.
  const pending = await taskRuns.listForRun(fx.tenant.org_id, runId, { consistent: true });
  const starts = await taskRuns.startManyDetailed(fx.tenant.org_id, runId, pending.map((before) => ({ before, executor: 'lambda' })));
  const run = (await runs.get(fx.tenant.org_id, runId))!;
  const flows = new FlowRepository(DynamoDBDocumentClient.from(fx.platform.dynamodb), fx.platform.resources.tables.Flow);
  const version = (await flows.get(fx.tenant.org_id, flow.flow_name, flow.flow_version))!;
  const specs = parseFlowSpec(JSON.parse(version.flow_spec_json)).tasks;
  const artifact = { artifact_s3_uri: version.artifact_s3_uri, code_hash: version.code_hash };
  const loop = { token: 'no-such-token', iteration: 1, heartbeat_seconds: 300 };
  const tasks = starts.map((start) => {
    if (!start.won) throw new Error('start lost');
    const spec = specs.find((t) => t.name === start.taskRun.task_name)!;
    return { ...runTaskEvent(run, spec, 1, artifact, {}, loop), started: start.taskRun };
  });
  const batch = { action: 'run-tasks', org_id: fx.tenant.org_id, run_id: runId, tasks };
  const before = hits;
  // b2's single event got there first: the batch's claims fail together, then each is tried alone.
  expect(await fx.platform.invoke('task-runner', tasks[2]!)).toEqual({ recorded: true });
  expect(hits - before).toBe(1);

  const results = await Promise.all([fx.platform.invoke('task-runner', batch), fx.platform.invoke('task-runner', batch)]);
  // Each attempt is claimed by one delivery or the other (alone, after the failed transaction).
  expect(results.reduce((sum: number, r) => sum + (r as { recorded_attempts: number }).recorded_attempts, 0)).toBe(3);
  expect(hits - before).toBe(4);
  const after = await taskRuns.listForRun(fx.tenant.org_id, runId, { consistent: true });
  for (const t of after) expect(t).toMatchObject({ status: 'SUCCEEDED', attempt: 1, executor: 'lambda', previous_status: 'RUNNING' });

  // A stale delivery after they all settled: nothing runs, nothing changes.
  expect(await fx.platform.invoke('task-runner', batch)).toEqual({ recorded_attempts: 0 });
  expect(hits - before).toBe(4);
  expect(await taskRuns.listForRun(fx.tenant.org_id, runId, { consistent: true })).toEqual(after);
}, 60_000);

test('a malformed run-tasks event is refused before anything runs', async () => {
  await expect(fx.platform.invoke('task-runner', { action: 'run-tasks', org_id: fx.tenant.org_id, run_id: 'r', tasks: [] })).rejects.toThrow(/malformed run-tasks/);
  await expect(fx.platform.invoke('task-runner', { action: 'run-tasks', org_id: fx.tenant.org_id, run_id: 'r', tasks: [{ action: 'run-task', org_id: 'other', run_id: 'r' }] })).rejects.toThrow(/malformed run-tasks/);
}, 60_000);
