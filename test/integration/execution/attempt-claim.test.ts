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
