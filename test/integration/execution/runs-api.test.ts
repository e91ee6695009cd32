import type { ReconcileReport } from '../../../lambdas/execution/reconciler/reconcile';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { AwsApiError, type JsonBody } from '../../../local/aws-emulator';
import type { Platform } from '../../../local/platform';
import { createRuntime } from '../../../lambdas/shared/runtime';
import { createRunStores, type RunStores } from '../../../lambdas/execution/run-stores';
import { logKey, outputKey } from '../../../lambdas/execution/run-objects';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';

// The runs API on the local platform. The run state machine is replaced, for this file, by a
// recorder of StartExecution/StopExecution on the platform's AWS endpoint: runs stay QUEUED until
// the test moves them (with the repositories the orchestrator uses), so every assertion is exact.
describe('runs API', () => {
  let platform: Platform;
  let stores: RunStores;
  let alice: TestTenant;
  let bob: TestTenant;
  const started: JsonBody[] = [];
  const stopped: JsonBody[] = [];
  const stoppedTasks: JsonBody[] = [];
  /** StartExecution's answer while set: an AWS error (type, message, HTTP status). */
  let failStart: { type: string; message: string; status: number } | null = null;

  const spec = {
    parameters: {
      type: 'object',
      properties: { day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, limit: { type: 'integer', minimum: 1 } },
      required: ['day'],
      additionalProperties: false,
    },
    tasks: [
      { name: 'extract', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/extract' } },
      { name: 'transform', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/transform' } },
      { name: 'load', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/load' } },
    ],
    edges: [
      { from: 'extract', to: 'transform' },
      { from: 'transform', to: 'load' },
    ],
    outputs: { rows: 'transform.rows', loaded: 'load' },
  };

  async function registerFlow(tenant: TestTenant, flow_name: string, flow_version = '1.0.0', default_executor = 'step-functions') {
    const res = await tenant.api.post('/v1/flows', { flow_name, flow_version, default_executor, flow_spec: spec });
    if (res.status !== 201 && res.status !== 200) throw new Error(`register flow: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function createDeployment(tenant: TestTenant, deployment_name: string, flow_name: string, extra: Record<string, unknown> = {}) {
    const res = await tenant.api.post('/v1/deployments', { deployment_name, flow_name, flow_version: '1.0.0', environment: 'dev', ...extra });
    if (res.status !== 201) throw new Error(`create deployment: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function startRun(tenant: TestTenant, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    return tenant.api.post('/v1/runs', { flow_name: 'etl', flow_version: '1.0.0', parameters: { day: '2026-03-01' }, ...body }, headers);
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ allowLoopbackEgress: true });
    platform.emulator.register('AWSStepFunctions.StartExecution', async (body) => {
      if (failStart !== null) throw new AwsApiError(failStart.type, failStart.message, failStart.status);
      started.push(body);
      return { executionArn: `${String(body.stateMachineArn).replace(':stateMachine:', ':execution:')}:${String(body.name)}`, startDate: Date.now() / 1000 };
    });
    platform.emulator.register('AWSStepFunctions.StopExecution', async (body) => {
      stopped.push(body);
      return { stopDate: Date.now() / 1000 };
    });
    platform.emulator.register('AmazonEC2ContainerServiceV20141113.StopTask', async (body) => {
      stoppedTasks.push(body);
      return { task: { taskArn: body.task, desiredStatus: 'STOPPED' } };
    });
    stores = createRunStores(createRuntime('http-execution', platform.envFor('http-execution'), { logSink: () => undefined }));
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'alice'), signUpTenant(platform.url, 'bob')]);
    // Executions are stubbed here and never end, so their runs keep their slots: a plan with room for all of them.
    expect((await alice.api.put('/v1/subscription', { plan: 'enterprise' })).status).toBe(200);
    await registerFlow(alice, 'etl');
    await registerFlow(alice, 'other', '1.0.0', 'ecs');
    await createDeployment(alice, 'etl-prod', 'etl', { parameters: { day: '2026-01-01', limit: 5 }, default_executor: 'lambda' });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('starts a run of a flow version: 202, QUEUED, PENDING task runs, one execution named after the run', async () => {
    const res = await startRun(alice);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ flow_name: 'etl', flow_version: '1.0.0', executor: 'step-functions', deployment_name: null });
    // The run is created QUEUED; the answer is the run as last read, which the execution's Start
    // step may already have moved to RUNNING.
    expect(['QUEUED', 'RUNNING']).toContain(res.body.status);
    expect(res.body.run_slug).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
    const runId: string = res.body.run_id;
    const execution = started.find((s) => s.name === runId);
    expect(execution).toBeDefined();
    expect(JSON.parse(String(execution!.input))).toEqual({ org_id: alice.org_id, run_id: runId, executor: 'step-functions' });
    const got = await alice.api.get(`/v1/runs/${runId}`);
    expect(got.status).toBe(200);
    expect(got.body.external_id).toMatch(new RegExp(`:execution:.*:${runId}$`));
    expect(got.body.outputs).toBeNull();
    expect(got.body.task_runs.map((t: { task_name: string; status: string; attempt: number }) => [t.task_name, t.status, t.attempt])).toEqual([
      ['extract', 'PENDING', 0],
      ['load', 'PENDING', 0],
      ['transform', 'PENDING', 0],
    ]);
    expect(platform.bus.delivered.some((d) => d.event['detail-type'] === 'Run Status Changed' && (d.event.detail as { run_id: string }).run_id === runId)).toBe(true);
  });

  it('starts a deployment: its pinned version, parameters merged over its defaults, its executor', async () => {
    const res = await alice.api.post('/v1/runs', { deployment_name: 'etl-prod', parameters: { day: '2026-03-02' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ deployment_name: 'etl-prod', flow_name: 'etl', executor: 'lambda', parameters: { day: '2026-03-02', limit: 5 } });
    const explicit = await alice.api.post('/v1/runs', { deployment_name: 'etl-prod', executor: 'ecs' });
    expect(explicit.body).toMatchObject({ executor: 'ecs', parameters: { day: '2026-01-01', limit: 5 } });
  });

  it('honours Idempotency-Key: the same run again, one execution', async () => {
    const headers = { 'idempotency-key': `k-${Date.now()}` };
    const first = await startRun(alice, {}, headers);
    const second = await startRun(alice, {}, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    // The same key with another body is a reuse, not a replay (idempotency-keys.test.ts).
    expect((await startRun(alice, { parameters: { day: '2026-12-31' } }, headers)).status).toBe(409);
    expect(second.body.run_id).toBe(first.body.run_id);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    expect(second.headers.get('idempotency-replayed')).toBe('true');
    expect(second.body.parameters).toEqual({ day: '2026-03-01' });
    expect(started.filter((s) => s.name === first.body.run_id)).toHaveLength(1);
    // The key is per organization.
    await registerFlow(bob, 'etl');
    const bobs = await startRun(bob, {}, headers);
    expect(bobs.body.run_id).not.toBe(first.body.run_id);
    // Concurrent repeats of one key: one run, one execution.
    const raceKey = { 'idempotency-key': `race-${Date.now()}` };
    const racers = await Promise.all(Array.from({ length: 6 }, () => startRun(alice, {}, raceKey)));
    expect(racers.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(new Set(racers.map((r) => r.body.run_id)).size).toBe(1);
    expect(racers.filter((r) => r.headers.get('idempotency-replayed') === null)).toHaveLength(1);
    expect(started.filter((s) => s.name === racers[0]!.body.run_id)).toHaveLength(1);
    const bad = await startRun(alice, {}, { 'idempotency-key': 'x'.repeat(300) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('Idempotency-Key');
  });

  it('checks parameters against the flow schema, with the failing paths', async () => {
    const res = await startRun(alice, { parameters: { day: 'yesterday', limit: 0, extra: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['parameters.day', 'parameters.extra', 'parameters.limit']);
    const missing = await startRun(alice, { parameters: {} });
    expect(missing.body.error.details).toEqual([{ path: 'parameters.day', message: 'required' }]);
  });

  it('validates the body: deployment xor flow version, known executor, no unknown fields', async () => {
    const both = await alice.api.post('/v1/runs', { deployment_name: 'etl-prod', flow_name: 'etl' });
    expect(both.status).toBe(400);
    expect(both.body.error.details.map((d: { path: string }) => d.path)).toEqual(['flow_name']);
    const none = await alice.api.post('/v1/runs', { parameters: {} });
    expect(none.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['flow_name', 'flow_version']);
    const exec = await startRun(alice, { executor: 'kubernetes', org_id: 'x' });
    expect(exec.status).toBe(400);
    expect(exec.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['executor', 'org_id']);
  });

  it('answers 404 for an unknown deployment or flow version, 409 for a paused deployment or an inactive version', async () => {
    expect((await alice.api.post('/v1/runs', { deployment_name: 'nope' })).status).toBe(404);
    expect((await startRun(alice, { flow_version: '9.9.9' })).status).toBe(404);
    // Bob's flow is not Alice's.
    await registerFlow(bob, 'bobs-flow');
    expect((await startRun(alice, { flow_name: 'bobs-flow' })).status).toBe(404);

    await createDeployment(alice, 'etl-paused', 'etl', { parameters: { day: '2026-01-01' } });
    expect((await alice.api.post('/v1/deployments/etl-paused/pause', {})).status).toBe(200);
    const paused = await alice.api.post('/v1/runs', { deployment_name: 'etl-paused' });
    expect(paused.status).toBe(409);
    expect(paused.body.error.code).toBe('deployment_paused');

    await registerFlow(alice, 'retired');
    expect((await alice.api.patch('/v1/flows/retired/versions/1.0.0', { status: 'INACTIVE' })).status).toBe(200);
    const inactive = await startRun(alice, { flow_name: 'retired' });
    expect(inactive.status).toBe(409);
  });

  it('leaves the run QUEUED when Step Functions is unavailable, and the reconciler starts it once it is back; a refusal that will not pass fails it', async () => {
    failStart = { type: 'ServiceUnavailable', message: 'state machine unavailable', status: 503 };
    let queuedId: string;
    try {
      const res = await startRun(alice);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'QUEUED', external_id: null, completed_at: null });
      queuedId = String(res.body.run_id);
    } finally {
      failStart = null;
    }
    const report = (await platform.invoke('run-reconciler', { options: { staleAfterMs: 0 } })) as ReconcileReport;
    expect(report.started).toContain(queuedId);
    expect(started.filter((b) => b.name === queuedId)).toHaveLength(1);
    expect((await stores.runs.get(alice.org_id, queuedId, { consistent: true }))?.external_id).toMatch(new RegExp(`:execution:.*:${queuedId}$`));

    failStart = { type: 'StateMachineDoesNotExist', message: 'State Machine Does Not Exist', status: 400 };
    try {
      const res = await startRun(alice);
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('FAILED');
      expect(res.body.error_message).toContain('State Machine Does Not Exist');
      expect(res.body.completed_at).not.toBeNull();
    } finally {
      failStart = null;
    }
  });

  it('lists runs newest first, filtered and paginated; another org sees none of them', async () => {
    await registerFlow(alice, 'listed');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await startRun(alice, { flow_name: 'listed' })).body.run_id);
    const newestFirst = [...ids].reverse();
    const p1 = await alice.api.get('/v1/runs?flow_name=listed&limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.items.map((r: { run_id: string }) => r.run_id)).toEqual(newestFirst.slice(0, 2));
    const p2 = await alice.api.get(`/v1/runs?flow_name=listed&limit=2&cursor=${p1.body.next_cursor}`);
    const p3 = await alice.api.get(`/v1/runs?flow_name=listed&limit=2&cursor=${p2.body.next_cursor}`);
    expect([...p2.body.items, ...p3.body.items].map((r: { run_id: string }) => r.run_id)).toEqual(newestFirst.slice(2));

    await stores.runs.transitionRun(alice.org_id, ids[1]!, ['QUEUED'], 'RUNNING');
    const running = await alice.api.get('/v1/runs?status=RUNNING&flow_name=listed');
    expect(running.body.items.map((r: { run_id: string }) => r.run_id)).toEqual([ids[1]]);
    const all = await alice.api.get('/v1/runs?status=RUNNING');
    expect(all.body.items.map((r: { run_id: string }) => r.run_id)).toContain(ids[1]);
    expect(all.body.items.every((r: { status: string }) => r.status === 'RUNNING')).toBe(true);

    const byDeployment = await alice.api.get('/v1/runs?deployment_name=etl-prod');
    expect(byDeployment.body.items.length).toBeGreaterThanOrEqual(2);
    expect(byDeployment.body.items.every((r: { deployment_name: string }) => r.deployment_name === 'etl-prod')).toBe(true);

    expect((await bob.api.get('/v1/runs?flow_name=listed')).body.items).toEqual([]);
    expect((await alice.api.get('/v1/runs?status=DONE')).status).toBe(400);
    expect((await alice.api.get('/v1/runs?cursor=not-a-cursor')).status).toBe(400);
    // A cursor from Bob's list does not reach into Alice's runs.
    await registerFlow(bob, 'bob-listed');
    for (let i = 0; i < 2; i++) await startRun(bob, { flow_name: 'bob-listed' });
    const bobPage = await bob.api.get('/v1/runs?limit=1');
    expect(bobPage.body.next_cursor).not.toBeNull();
    expect((await alice.api.get(`/v1/runs?limit=1&cursor=${bobPage.body.next_cursor}`)).status).toBe(400);
    // Nor does a cursor of another list of the same org.
    expect((await alice.api.get(`/v1/runs?status=QUEUED&cursor=${p1.body.next_cursor}`)).status).toBe(400);
  });

  it("answers 404 for another org's run on every run route, and for ids that are not run ids", async () => {
    const runId: string = (await startRun(alice)).body.run_id;
    const taskRunId: string = (await alice.api.get(`/v1/runs/${runId}`)).body.task_runs[0].task_run_id;
    expect((await bob.api.get(`/v1/runs/${runId}`)).status).toBe(404);
    expect((await bob.api.get(`/v1/runs/${runId}/task-runs`)).status).toBe(404);
    expect((await bob.api.get(`/v1/runs/${runId}/task-runs/${taskRunId}/logs`)).status).toBe(404);
    expect((await bob.api.post(`/v1/runs/${runId}/cancel`)).status).toBe(404);
    expect((await bob.api.post(`/v1/runs/${runId}/retry`)).status).toBe(404);
    expect((await alice.api.get('/v1/runs/not-a-run')).status).toBe(404);
    expect((await alice.api.get(`/v1/runs/${runId}/task-runs/tr_000000000000000000000000/logs`)).status).toBe(404);
    expect((await alice.api.get(`/v1/runs/${runId}`)).body.status).toBe('QUEUED');
  });

  it('pages task runs and serves a task run log written under the shared key', async () => {
    const runId: string = (await startRun(alice)).body.run_id;
    const p1 = await alice.api.get(`/v1/runs/${runId}/task-runs?limit=2`);
    expect(p1.body.items).toHaveLength(2);
    const p2 = await alice.api.get(`/v1/runs/${runId}/task-runs?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.items.map((t: { task_name: string }) => t.task_name)).toEqual(['transform']);
    const extract = p1.body.items.find((t: { task_name: string }) => t.task_name === 'extract');

    const empty = await alice.api.get(`/v1/runs/${runId}/task-runs/${extract.task_run_id}/logs`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ task_name: 'extract', content: '', truncated: false });

    await platform.s3.send(
      new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: logKey(alice.org_id, runId, 'extract'), Body: 'attempt 1\nhello\n' }),
    );
    const logs = await alice.api.get(`/v1/runs/${runId}/task-runs/${extract.task_run_id}/logs`);
    expect(logs.body).toMatchObject({ task_run_id: extract.task_run_id, task_name: 'extract', content: 'attempt 1\nhello\n', truncated: false });
  });

  it('cancels a running run: CANCELLED, execution stopped, every open task run settled, audited; again → 409', async () => {
    const runId: string = (await startRun(alice)).body.run_id;
    const org = alice.org_id;
    await stores.runs.transitionRun(org, runId, ['QUEUED'], 'RUNNING');
    await stores.taskRuns.start(org, runId, 'extract', { executor: 'lambda' });
    await stores.taskRuns.succeed(org, runId, 'extract', { output_ref: outputKey(org, runId, 'extract') });
    await stores.taskRuns.start(org, runId, 'transform', { executor: 'lambda' });

    const res = await alice.api.post(`/v1/runs/${runId}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
    const statuses = Object.fromEntries(res.body.task_runs.map((t: { task_name: string; status: string; error_message: string }) => [t.task_name, [t.status, t.error_message]]));
    expect(statuses).toEqual({ extract: ['SUCCEEDED', null], transform: ['FAILED', 'cancelled'], load: ['SKIPPED', 'cancelled'] });
    expect(stopped.map((s) => s.executionArn)).toContain(res.body.external_id);

    const again = await alice.api.post(`/v1/runs/${runId}/cancel`);
    expect(again.status).toBe(409);
    // The late result of the cancelled task loses.
    expect(await stores.taskRuns.succeed(org, runId, 'transform', { output_ref: 'late' })).toBe(false);
    expect(await stores.runs.transitionRun(org, runId, ['RUNNING'], 'SUCCEEDED')).toBe(false);

    const events = platform.bus.delivered.filter((d) => (d.event.detail as { run_id?: string }).run_id === runId);
    expect(events.some((d) => d.event['detail-type'] === 'Run Status Changed' && (d.event.detail as { status: string }).status === 'CANCELLED')).toBe(true);
    expect(events.filter((d) => d.event['detail-type'] === 'Task Run Status Changed').map((d) => (d.event.detail as { task_name: string }).task_name).sort()).toEqual([
      'load',
      'transform',
    ]);

    const audit = await platform.dynamodb.send(
      new QueryCommand({
        TableName: platform.resources.tables.AuditLog,
        IndexName: 'by-resource',
        KeyConditionExpression: 'resource_key = :k',
        ExpressionAttributeValues: { ':k': { S: `${org}#run#${runId}` } },
      }),
    );
    expect((audit.Items ?? []).map((i) => i.action?.S).sort()).toEqual(['cancel', 'create']);
  });

  it("stops the run's ECS task when it runs on ECS", async () => {
    const runId: string = (await startRun(alice, { executor: 'ecs' })).body.run_id;
    const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/dagy-local/0123456789abcdef';
    await stores.runs.transitionRun(alice.org_id, runId, ['QUEUED'], 'RUNNING', { ecs_task_arn: taskArn });
    const res = await alice.api.post(`/v1/runs/${runId}/cancel`);
    expect(res.status).toBe(200);
    expect(stoppedTasks.find((s) => s.task === taskArn)).toMatchObject({ cluster: expect.stringContaining('cluster'), reason: `run ${runId} cancelled` });
    expect(res.body.task_runs.every((t: { status: string }) => t.status === 'SKIPPED')).toBe(true);
  });

  it('lets exactly one of N concurrent cancels win', async () => {
    const runId: string = (await startRun(alice)).body.run_id;
    const results = await Promise.all(Array.from({ length: 8 }, () => alice.api.post(`/v1/runs/${runId}/cancel`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    const runEvents = platform.bus.delivered.filter(
      (d) => d.event['detail-type'] === 'Run Status Changed' && (d.event.detail as { run_id: string; status: string }).run_id === runId && (d.event.detail as { status: string }).status === 'CANCELLED',
    );
    expect(runEvents).toHaveLength(1);
  });

  it('retries a FAILED run: a new run that keeps the succeeded outputs and reruns from the failure', async () => {
    const org = alice.org_id;
    const original: string = (await startRun(alice, { parameters: { day: '2026-03-05', limit: 2 } })).body.run_id;
    expect((await alice.api.post(`/v1/runs/${original}/retry`)).status).toBe(409);
    await stores.runs.transitionRun(org, original, ['QUEUED'], 'RUNNING');
    await stores.taskRuns.start(org, original, 'extract', { executor: 'lambda' });
    await stores.taskRuns.succeed(org, original, 'extract', { output_ref: outputKey(org, original, 'extract') });
    await stores.taskRuns.start(org, original, 'transform', { executor: 'lambda' });
    await stores.taskRuns.fail(org, original, 'transform', { error_message: 'boom' });
    await stores.taskRuns.skip(org, original, 'load', { reason: 'upstream failed' });
    await stores.runs.transitionRun(org, original, ['RUNNING'], 'FAILED', { error_message: 'transform failed' });

    const retry = await alice.api.post(`/v1/runs/${original}/retry`, undefined, { 'idempotency-key': `retry-${original}` });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ retry_of: original, trigger: { type: 'retry', id: original }, parameters: { day: '2026-03-05', limit: 2 }, status: 'QUEUED' });
    expect(retry.body.run_id).not.toBe(original);
    const again = await alice.api.post(`/v1/runs/${original}/retry`, undefined, { 'idempotency-key': `retry-${original}` });
    expect(again.body.run_id).toBe(retry.body.run_id);

    const detail = await alice.api.get(`/v1/runs/${retry.body.run_id}`);
    const byName = Object.fromEntries(detail.body.task_runs.map((t: Record<string, unknown>) => [t.task_name, t]));
    expect(byName.extract).toMatchObject({ status: 'SUCCEEDED', output_ref: outputKey(org, original, 'extract'), reused_from_run_id: original });
    expect(byName.transform).toMatchObject({ status: 'PENDING', attempt: 0, output_ref: null });
    expect(byName.load).toMatchObject({ status: 'PENDING' });
    // A kept task's logs are the original run's.
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: logKey(org, original, 'extract'), Body: 'from the original' }));
    const logs = await alice.api.get(`/v1/runs/${retry.body.run_id}/task-runs/${byName.extract.task_run_id}/logs`);
    expect(logs.body.content).toBe('from the original');
  });

  it('shows the outputs once the run has finished (resolved from the task output objects)', async () => {
    const org = alice.org_id;
    const runId: string = (await startRun(alice)).body.run_id;
    await stores.runs.transitionRun(org, runId, ['QUEUED'], 'RUNNING');
    for (const [task, output] of [['extract', { n: 1 }], ['transform', { rows: 42 }], ['load', 'done']] as const) {
      await stores.taskRuns.start(org, runId, task, { executor: 'lambda' });
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: outputKey(org, runId, task), Body: JSON.stringify(output) }));
      await stores.taskRuns.succeed(org, runId, task, { output_ref: outputKey(org, runId, task) });
    }
    expect((await alice.api.get(`/v1/runs/${runId}`)).body.outputs).toBeNull();
    await stores.runs.transitionRun(org, runId, ['RUNNING'], 'SUCCEEDED');
    const done = await alice.api.get(`/v1/runs/${runId}`);
    expect(done.body).toMatchObject({ status: 'SUCCEEDED', outputs: { rows: 42, loaded: 'done' } });
    expect(done.body.started_at).not.toBeNull();
    expect(done.body.completed_at).not.toBeNull();
    // Outputs the orchestrator stored on the run win.
    const stored: string = (await startRun(alice)).body.run_id;
    await stores.runs.transitionRun(org, stored, ['QUEUED'], 'RUNNING');
    await stores.runs.transitionRun(org, stored, ['RUNNING'], 'FAILED', { outputs: { rows: null, loaded: null } });
    expect((await alice.api.get(`/v1/runs/${stored}`)).body.outputs).toEqual({ rows: null, loaded: null });
  });

  it('lets viewers read runs but not start or cancel them', async () => {
    const key = await alice.api.post('/v1/api-keys', { name: 'viewer', role: 'viewer' });
    expect(key.status).toBe(201);
    const secret: string = key.body.secret;
    const viewer = alice.api.withHeaders({ authorization: `Bearer ${secret}` });
    expect((await viewer.get('/v1/runs')).status).toBe(200);
    expect((await viewer.post('/v1/runs', { flow_name: 'etl', flow_version: '1.0.0', parameters: { day: '2026-03-01' } })).status).toBe(403);
    const runId: string = (await startRun(alice)).body.run_id;
    expect((await viewer.get(`/v1/runs/${runId}`)).status).toBe(200);
    expect((await viewer.post(`/v1/runs/${runId}/cancel`)).status).toBe(403);
  });
});
