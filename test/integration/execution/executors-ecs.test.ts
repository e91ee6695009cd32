import { PutObjectCommand } from '@aws-sdk/client-s3';
import { localEcsOf } from '../../../local/ecs/local-ecs';
import { collectDagResult, syncEcsObject } from '../../../lambdas/execution/ecs/ecs-orchestration';
import { dagSlot, type EcsResult } from '../../../lambdas/execution/ecs/ecs-order';
import { orchestratorServices } from '../../../lambdas/execution/orchestrator/orchestrator-services';
import { ecsResultKey } from '../../../lambdas/execution/run-objects';
import { TaskRunRepository } from '../../../lambdas/execution/task-run-repository';
import { createRuntime } from '../../../lambdas/shared/runtime';
import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { createQueuedRun, registerFlow, repositoriesOf, startRun, taskRun, waitForRun } from './executors-support';

/** A container's report of tasks that each succeeded in one attempt (output `{ name }`). */
function succeededOnce(names: string[], attempt: (name: string) => { started_at?: string; log?: string } = () => ({})): EcsResult['tasks'] {
  return Object.fromEntries(
    names.map((name) => [name, { status: 'SUCCEEDED', attempts: [{ attempt: 1, started_at: '2026-11-30T10:00:00.000Z', log: '', ...attempt(name), outcome: { ok: true, output: { name } } }] }]),
  );
}

describeExecutorScenarios('ecs', (fx) => {
  test("a replayed attempt's task run starts when the container says it did, kept within the run's life (what its task seconds are metered and priced from)", async () => {
    const names = ['early', 'within', 'future'];
    const flow = await registerFlow(fx().api, { tasks: names.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })) }, 'reported-start');
    const { platform, tenant } = fx();
    const runId = await createQueuedRun(platform, tenant.org_id, flow, names, { executor: 'ecs' });
    const { runs, taskRuns } = repositoriesOf(platform);
    await runs.transitionRun(tenant.org_id, runId, ['QUEUED'], 'RUNNING');
    const run = (await runs.get(tenant.org_id, runId, { consistent: true }))!;
    const within = new Date(Date.parse(run.started_at!) + 1).toISOString();
    const reportedStarts: Record<string, string> = { early: '2000-01-01T00:00:00.000Z', within, future: '2999-01-01T00:00:00.000Z' };
    const report: EcsResult = {
      final: true,
      tasks: succeededOnce(names, (name) => ({ started_at: reportedStarts[name]! })),
    };
    const before = Date.now();
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: ecsResultKey(tenant.org_id, runId, dagSlot()), Body: JSON.stringify(report) }));
    const o = orchestratorServices(createRuntime('run-orchestrator', platform.envFor('run-orchestrator'), { logSink: () => undefined }));
    expect(await collectDagResult(o, tenant.org_id, runId)).toEqual({ status: 'SUCCEEDED' });
    const stored = async (name: string) => (await taskRuns.get(tenant.org_id, runId, name, { consistent: true }))!;
    expect((await stored('early')).started_at).toBe(run.started_at);
    expect((await stored('within')).started_at).toBe(within);
    const future = await stored('future');
    expect(Date.parse(future.started_at!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(future.started_at!)).toBeLessThanOrEqual(Date.parse(future.completed_at!));
    await platform.bus.drain();
  }, 60_000);

  test("a container's final report brought at once by its S3 event and by CollectEcs is replayed once: its attempts, each already over, started and ended in one request, each with its log and its cost", async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const flow = await registerFlow(fx().api, { tasks: names.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })) }, 'replay-once');
    const { platform, tenant } = fx();
    const runId = await createQueuedRun(platform, tenant.org_id, flow, names, { executor: 'ecs' });
    const { runs, taskRuns } = repositoriesOf(platform);
    const report: EcsResult = {
      final: true,
      tasks: succeededOnce(names, (name) => ({ log: `hello from ${name}` })),
    };
    const key = ecsResultKey(tenant.org_id, runId, dagSlot());
    // Stored while the run is QUEUED: the platform's own handling of the object's event ignores it.
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: key, Body: JSON.stringify(report) }));
    await platform.bus.drain();
    await runs.transitionRun(tenant.org_id, runId, ['QUEUED'], 'RUNNING');
    const o = orchestratorServices(createRuntime('run-orchestrator', platform.envFor('run-orchestrator'), { logSink: () => undefined }));
    const starts = jest.spyOn(o.taskRuns, 'startDetailed');
    const startsTogether = jest.spyOn(o.taskRuns, 'startManyDetailed');
    const ends = jest.spyOn(o.taskRuns, 'succeedDetailed');
    const endsTogether = jest.spyOn(o.taskRuns, 'succeedManyDetailed');
    const [, outcome] = await Promise.all([syncEcsObject(o, key), collectDagResult(o, tenant.org_id, runId)]);
    expect(outcome).toEqual({ status: 'SUCCEEDED' });
    // One replay (two at once would each send theirs): the five attempts, each reported already
    // over, started and ended together (each task run's start and success in one write).
    expect(startsTogether).toHaveBeenCalledTimes(1);
    expect(startsTogether.mock.calls[0]![2]).toHaveLength(5);
    expect(startsTogether.mock.calls[0]![2].every((s) => s.succeeded !== undefined)).toBe(true);
    expect(starts).not.toHaveBeenCalled();
    expect(endsTogether).not.toHaveBeenCalled();
    expect(ends).not.toHaveBeenCalled();
    for (const name of names) {
      const t = (await taskRuns.get(tenant.org_id, runId, name, { consistent: true }))!;
      expect(t).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', attempt: 1, executor: 'ecs', output_json: JSON.stringify({ name }) });
      expect(t.started_at).not.toBeNull();
      expect(t.log_text).toContain(`hello from ${name}`);
      expect(t.cost?.total_usd).toEqual(expect.any(Number));
    }
    // Its transitions' events went out once, by the replay's starter (CollectEcs, which joined
    // it, returned once the writes were done).
    await platform.bus.drain();
    const told = platform.bus.delivered
      .map(({ event }) => event)
      .filter((e) => e['detail-type'] === 'Task Run Status Changed' && (e.detail as { run_id?: string }).run_id === runId)
      .map((e) => `${(e.detail as { task_name: string }).task_name} ${(e.detail as { status: string }).status}`)
      .sort();
    expect(told).toEqual(names.flatMap((name) => [`${name} RUNNING`, `${name} SUCCEEDED`]));
    // Another delivery of the same report later: this container saw it all, nothing is sent.
    await syncEcsObject(o, key);
    expect(startsTogether).toHaveBeenCalledTimes(1);
    expect(endsTogether).not.toHaveBeenCalled();
    expect(ends).not.toHaveBeenCalled();
  }, 60_000);

  test("CollectEcs does not wait for the events of a replay another delivery started: only the records", async () => {
    const names = ['a', 'b', 'c', 'd'];
    const flow = await registerFlow(fx().api, { tasks: names.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })) }, 'replay-events');
    const { platform, tenant } = fx();
    const runId = await createQueuedRun(platform, tenant.org_id, flow, names, { executor: 'ecs' });
    const { runs, taskRuns } = repositoriesOf(platform);
    const report: EcsResult = {
      final: true,
      tasks: succeededOnce(names),
    };
    const key = ecsResultKey(tenant.org_id, runId, dagSlot());
    // Stored while the run is QUEUED: the platform's own handling of the object's event ignores it.
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: key, Body: JSON.stringify(report) }));
    await platform.bus.drain();
    await runs.transitionRun(tenant.org_id, runId, ['QUEUED'], 'RUNNING');
    const o = orchestratorServices(createRuntime('run-orchestrator', platform.envFor('run-orchestrator'), { logSink: () => undefined }));
    // The events of the replay the S3 event started are held until the end of the test.
    let publishing: () => void = () => undefined;
    const publishStarted = new Promise<void>((resolve) => (publishing = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const publish = jest.spyOn(o.events, 'taskRunStatusChanged').mockImplementation(async () => {
      publishing();
      await released;
    });
    const synced = syncEcsObject(o, key);
    await publishStarted;
    expect(await collectDagResult(o, tenant.org_id, runId)).toEqual({ status: 'SUCCEEDED' });
    for (const name of names) expect(await taskRuns.get(tenant.org_id, runId, name, { consistent: true })).toMatchObject({ status: 'SUCCEEDED' });
    release();
    await synced;
    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish.mock.calls[0]![1]).toHaveLength(2 * names.length);
  }, 60_000);

  test('successes of tasks an earlier snapshot started are read back and recorded in one request; one ended meanwhile keeps its end and its log', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const flow = await registerFlow(fx().api, { tasks: names.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })) }, 'replay-fanout');
    const { platform, tenant } = fx();
    const runId = await createQueuedRun(platform, tenant.org_id, flow, names, { executor: 'ecs' });
    const { runs, taskRuns } = repositoriesOf(platform);
    await runs.transitionRun(tenant.org_id, runId, ['QUEUED'], 'RUNNING');
    const o = orchestratorServices(createRuntime('run-orchestrator', platform.envFor('run-orchestrator'), { logSink: () => undefined }));
    const key = ecsResultKey(tenant.org_id, runId, dagSlot());
    const snapshot = (done: boolean): EcsResult => ({
      final: done,
      tasks: Object.fromEntries(
        names.map((name) => [
          name,
          {
            status: done ? 'SUCCEEDED' : 'RUNNING',
            attempts: [{ attempt: 1, started_at: '2026-11-30T10:00:00.000Z', log: done ? `hello from ${name}` : '', outcome: done ? { ok: true, output: { name } } : null }],
          },
        ]),
      ),
    });
    // The platform's own handling of the object's event replays it too (and CollectEcs would):
    // the spies below are on the repository every one of them uses.
    const apply = async (report: EcsResult) => {
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: key, Body: JSON.stringify(report) }));
      await Promise.all([syncEcsObject(o, key), platform.bus.drain()]);
    };
    await apply(snapshot(false));
    for (const name of names) expect(await taskRuns.get(tenant.org_id, runId, name, { consistent: true })).toMatchObject({ status: 'RUNNING', attempt: 1 });
    // The run's cancel settles one of them before the container's next snapshot says it succeeded.
    expect((await taskRuns.failDetailed(tenant.org_id, runId, 'f', { error_message: 'run cancelled', attempt: 1 })).won).toBe(true);
    const read = jest.spyOn(TaskRunRepository.prototype, 'getMany');
    const endsTogether = jest.spyOn(TaskRunRepository.prototype, 'succeedManyDetailed');
    const ends = jest.spyOn(TaskRunRepository.prototype, 'succeedDetailed');
    await apply(snapshot(true));
    expect(read).toHaveBeenCalledTimes(1);
    expect(endsTogether).toHaveBeenCalledTimes(1);
    expect(endsTogether.mock.calls[0]![2].map((s) => s.before.task_name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // The ended one is replayed on its own: its success loses, its log is still kept.
    expect(ends).toHaveBeenCalledTimes(1);
    for (const name of names.slice(0, 5)) {
      const t = (await taskRuns.get(tenant.org_id, runId, name, { consistent: true }))!;
      expect(t).toMatchObject({ status: 'SUCCEEDED', attempt: 1, output_json: JSON.stringify({ name }) });
      expect(t.log_text).toContain(`hello from ${name}`);
      expect(t.cost?.total_usd).toEqual(expect.any(Number));
    }
    const cancelled = (await taskRuns.get(tenant.org_id, runId, 'f', { consistent: true }))!;
    expect(cancelled).toMatchObject({ status: 'FAILED', error_message: 'run cancelled' });
    expect(await o.objects.logOf(tenant.org_id, runId, 'f', cancelled)).toContain('hello from f');
    for (const spy of [read, endsTogether, ends]) spy.mockRestore();
  }, 60_000);

  test('a crash of the runner container itself fails the run and settles its task runs; what it reported is kept', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'hold', handler: 'sleepy', timeout_seconds: 60, parameters: { ms: 30_000 } },
        { name: 'after', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'hold' },
        { from: 'hold', to: 'after' },
      ],
    });
    const started = await startRun(fx().api, { ...flow, executor: 'ecs', parameters: { start: 1 } });
    // Progress is live although the container writes nothing but its presigned result.
    await waitForRun(fx().api, started.run_id, (r) => taskRun(r, 'seed').status === 'SUCCEEDED' && taskRun(r, 'hold').status === 'RUNNING');
    const ecs = localEcsOf(fx().platform.emulator);
    const container = ecs.list().find((t) => t.lastStatus === 'RUNNING');
    expect(container).toBeDefined();
    expect(ecs.crash(container!.taskArn)).toBe(true);
    const run = await waitForRun(fx().api, started.run_id);
    expect(run.status).toBe('FAILED');
    expect(run.error_message).toMatch(/ECS runner failed \(exit code 137\)/);
    expectNoOpenTaskRun(run);
    expect(taskRun(run, 'seed').status).toBe('SUCCEEDED');
    expect(taskRun(run, 'hold').status).toBe('FAILED');
    expect(taskRun(run, 'after').status).toBe('SKIPPED');
    const tasks = ecs.list();
    expect(tasks.some((t) => t.exitCode === 137)).toBe(true);
    expect(tasks.every((t) => t.lastStatus === 'STOPPED')).toBe(true);
  }, 60_000);

  test('a whole-DAG snapshot taken while a failed attempt waits for its retry records the retry, not the failure', async () => {
    // The container snapshots at most once a second; a 3 s retry delay makes sure one snapshot
    // shows the task RUNNING with its first attempt failed (retrying): that is a retry, and the
    // second attempt's own failure is the one that ends the task.
    const flow = await registerFlow(fx().api, {
      tasks: [{ name: 'twice', handler: 'flaky', retries: 1, retry_delay_seconds: 3, timeout_seconds: 30 }],
      edges: [],
    });
    const started = await startRun(fx().api, { ...flow, executor: 'ecs' });
    const retrying = await waitForRun(fx().api, started.run_id, (r) => endedOrRetrying(taskRun(r, 'twice')));
    expect(taskRun(retrying, 'twice')).toMatchObject({ status: 'PENDING', attempt: 1 });
    const run = await waitForRun(fx().api, started.run_id);
    expect(run.status).toBe('FAILED');
    expect(taskRun(run, 'twice')).toMatchObject({ status: 'FAILED', attempt: 2 });
  }, 60_000);
});

function endedOrRetrying(t: { status: string; attempt: number }): boolean {
  return (t.status === 'PENDING' && t.attempt === 1) || t.status === 'FAILED' || t.status === 'SUCCEEDED';
}
