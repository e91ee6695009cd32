import { ManualClock } from '../../../lambdas/shared/clock';
import { localEcsOf } from '../../../local/ecs/local-ecs';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { createQueuedRun, getRun, registerFlow, repositoriesOf, startExecution, startRun, taskLogs, taskRun, waitForRun } from './executors-support';

describeExecutorScenarios('step-functions', (fx) => {
  test('each task starts as soon as its own upstreams finish, not when its level does', async () => {
    // slow (1.5 s) and fast (a few ms) both follow seed; fastNext follows fast only. Level by
    // level, fastNext would wait for slow; here it finishes while slow is still running.
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'slow', handler: 'sleepy', parameters: { ms: 1500 }, timeout_seconds: 30 },
        { name: 'fast', handler: 'add', timeout_seconds: 30 },
        { name: 'fastNext', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'slow' },
        { from: 'seed', to: 'fast' },
        { from: 'fast', to: 'fastNext' },
      ],
    });
    const started = await startRun(fx().api, { ...flow, executor: 'step-functions', parameters: { start: 1 } });
    const midway = await waitForRun(fx().api, started.run_id, (r) => taskRun(r, 'fastNext').status === 'SUCCEEDED' || r.status !== 'RUNNING');
    expect(taskRun(midway, 'fastNext').status).toBe('SUCCEEDED');
    expect(taskRun(midway, 'slow').status).toBe('RUNNING');
    expect((await waitForRun(fx().api, started.run_id)).status).toBe('SUCCEEDED');
  }, 60_000);

  test('a task with executor ecs runs in the runner container within a step-functions run', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', executor: 'ecs', timeout_seconds: 60 },
        { name: 'after', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
      ],
      edges: [{ from: 'seed', to: 'after' }],
      outputs: { value: 'after.value' },
    });
    const before = localEcsOf(fx().platform.emulator).list().length;
    const run = await waitForRun(fx().api, (await startRun(fx().api, { ...flow, executor: 'step-functions', parameters: { start: 7 } })).run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.outputs).toEqual({ value: 8 });
    expect(taskRun(run, 'seed').executor).toBe('ecs');
    expect(taskRun(run, 'after').executor).toBe('lambda');
    const containers = localEcsOf(fx().platform.emulator).list().slice(before);
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 });
  }, 60_000);

  test('a retry delay is waited out in the SleepUntilRetry state when nothing else runs', async () => {
    const flow = await registerFlow(fx().api, { tasks: [{ name: 'flaky', retries: 2, retry_delay_seconds: 1, retry_backoff: 1, timeout_seconds: 30 }] });
    const started = await startRun(fx().api, { ...flow, executor: 'step-functions' });
    const run = await waitForRun(fx().api, started.run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(taskRun(run, 'flaky').attempt).toBe(3);
    const execution = localStepFunctionsOf(fx().platform.emulator).describe(run.external_id!)!;
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stateCounts.SleepUntilRetry).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test('a long run continues in new executions (<run_id>-<n>) before its history limit', async () => {
    // Each step also feeds `end`, so no step is its upstream's only downstream: the loop, not a
    // runner's chain (attempt-chain.ts), starts every one, an iteration each.
    const names = ['t1', 't2', 't3', 't4', 't5', 't6'];
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 't1', handler: 'seed', timeout_seconds: 30 },
        ...names.slice(1).map((name) => ({ name, handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 })),
        { name: 'end', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [...names.slice(1).map((name, i) => ({ from: names[i]!, to: name })), ...names.map((from) => ({ from, to: 'end' }))],
      outputs: { last: 't6.value' },
    });
    const runId = await createQueuedRun(fx().platform, fx().tenant.org_id, flow, [...names, 'end'], { parameters: { start: 10 } });
    await startExecution(fx().platform, runId, { org_id: fx().tenant.org_id, run_id: runId, options: { max_iterations: 2 } });
    const run = await waitForRun(fx().api, runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.outputs).toEqual({ last: 15 });
    const executions = localStepFunctionsOf(fx().platform.emulator)
      .list()
      .filter((e) => e.name === runId || e.name.startsWith(`${runId}-`));
    // 7 tasks need at least 7 iterations; 2 per execution.
    expect(executions.length).toBeGreaterThanOrEqual(3);
    expect(executions.map((e) => e.name)).toEqual(expect.arrayContaining([runId, `${runId}-1`, `${runId}-2`]));
    for (const e of executions) expect(e.stateCounts.Advance ?? 0).toBeLessThanOrEqual(3);
    // The run's external_id follows the execution that drives it.
    expect(run.external_id).toMatch(new RegExp(`:${runId}-\\d+$`));
  }, 60_000);

  test('attempts started together share one runner invocation, yet each ends on its own: one fails and retries, one succeeds, and a cancel stops the sleepers', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'quick', handler: 'add', timeout_seconds: 30 },
        { name: 'flaky', handler: 'boom', retries: 1, retry_delay_seconds: 1, timeout_seconds: 30 },
        { name: 'sleeper1', handler: 'sleepy', parameters: { ms: 60_000 }, timeout_seconds: 120 },
        { name: 'sleeper2', handler: 'sleepy', parameters: { ms: 60_000 }, timeout_seconds: 120 },
      ],
      edges: ['quick', 'flaky', 'sleeper1', 'sleeper2'].map((to) => ({ from: 'seed', to })),
    });
    const started = await startRun(fx().api, { ...flow, executor: 'step-functions', parameters: { start: 1 } });
    // quick ended while the sleepers of its batch still run; flaky failed twice (its retry in a
    // runner of its own).
    const midway = await waitForRun(fx().api, started.run_id, (r) => (taskRun(r, 'quick').status === 'SUCCEEDED' && taskRun(r, 'flaky').status === 'FAILED') || r.status !== 'RUNNING');
    expect(taskRun(midway, 'quick').status).toBe('SUCCEEDED');
    expect(taskRun(midway, 'flaky')).toMatchObject({ status: 'FAILED', attempt: 2 });
    expect([taskRun(midway, 'sleeper1').status, taskRun(midway, 'sleeper2').status]).toEqual(['RUNNING', 'RUNNING']);
    const cancelledAt = Date.now();
    expect((await fx().api.post(`/v1/runs/${started.run_id}/cancel`)).status).toBe(200);
    const run = await waitForRun(fx().api, started.run_id);
    expect(run.status).toBe('CANCELLED');
    expectNoOpenTaskRun(run);
    expect([taskRun(run, 'sleeper1').status, taskRun(run, 'sleeper2').status]).toEqual(['FAILED', 'FAILED']);
    // Both attempts were stopped by the batch's one watch of the run (their log sections closed),
    // not left to sleep out their minute.
    for (const name of ['sleeper1', 'sleeper2']) {
      let logs = '';
      while (!logs.includes('--- attempt 1: failed') && Date.now() - cancelledAt < 30_000) {
        logs = await taskLogs(fx().api, run.run_id, taskRun(run, name).task_run_id).catch(() => '');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(logs).toContain('--- attempt 1: failed');
    }
  }, 90_000);

  test("a chain runs in its first step's runner: a step that fails is retried by the loop and the chain goes on from it; one that fails for good skips the rest", async () => {
    // s0 → s1 → s2 (fails twice, then succeeds) → s3 → s4, each its upstream's only downstream.
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 's0', handler: 'seed', timeout_seconds: 30 },
        { name: 's1', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
        { name: 's2', handler: 'flaky', retries: 2, retry_delay_seconds: 1, timeout_seconds: 30 },
        { name: 's3', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
        { name: 's4', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
      ],
      edges: ['s1', 's2', 's3', 's4'].map((to, i) => ({ from: `s${i}`, to })),
      outputs: { last: 's4.value' },
    });
    const started = await startRun(fx().api, { ...flow, executor: 'step-functions', parameters: { start: 1 } });
    const run = await waitForRun(fx().api, started.run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.outputs).toEqual({ last: 102 });
    expect(run.task_runs.map((t) => [t.task_name, t.attempt])).toEqual([['s0', 1], ['s1', 1], ['s2', 3], ['s3', 1], ['s4', 1]]);
    // Each step started after its upstream ended.
    const stored = new Map((await repositoriesOf(fx().platform).taskRuns.listForRun(fx().tenant.org_id, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
    for (const [i, name] of ['s1', 's2', 's3', 's4'].entries()) {
      expect(Date.parse(stored.get(name)!.started_at!)).toBeGreaterThanOrEqual(Date.parse(stored.get(`s${i}`)!.completed_at!));
    }
    // The loop ran s0's chain to s2's failure, each retry of s2 with the chain after it, and the
    // end: a few iterations, not one per step and retry.
    const execution = localStepFunctionsOf(fx().platform.emulator).describe(run.external_id!)!;
    expect(execution.stateCounts.Advance ?? 0).toBeLessThanOrEqual(7);
    expect((await taskLogs(fx().api, run.run_id, taskRun(run, 's2').task_run_id))).toContain('flaky failure on attempt 2');

    // A step that fails for good ends the chain; the loop skips what follows.
    const failing = await registerFlow(fx().api, {
      tasks: [
        { name: 's0', handler: 'seed', timeout_seconds: 30 },
        { name: 's1', handler: 'boom', timeout_seconds: 30 },
        { name: 's2', handler: 'add', timeout_seconds: 30 },
        { name: 's3', handler: 'add', timeout_seconds: 30 },
      ],
      edges: ['s1', 's2', 's3'].map((to, i) => ({ from: `s${i}`, to })),
    });
    const failed = await waitForRun(fx().api, (await startRun(fx().api, { ...failing, executor: 'step-functions', parameters: { start: 1 } })).run_id);
    expect(failed.status).toBe('FAILED');
    expect(failed.task_runs.map((t) => [t.task_name, t.status, t.attempt])).toEqual([
      ['s0', 'SUCCEEDED', 1],
      ['s1', 'FAILED', 1],
      ['s2', 'SKIPPED', 0],
      ['s3', 'SKIPPED', 0],
    ]);
  }, 90_000);

  test('a cancel stops a chain: its running step is stopped, and no later step starts', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'c0', handler: 'seed', timeout_seconds: 30 },
        { name: 'c1', handler: 'sleepy', parameters: { ms: 60_000 }, timeout_seconds: 120 },
        { name: 'c2', handler: 'add', timeout_seconds: 30 },
        { name: 'c3', handler: 'add', timeout_seconds: 30 },
      ],
      edges: ['c1', 'c2', 'c3'].map((to, i) => ({ from: `c${i}`, to })),
    });
    const started = await startRun(fx().api, { ...flow, executor: 'step-functions', parameters: { start: 1 } });
    await waitForRun(fx().api, started.run_id, (r) => taskRun(r, 'c1').status === 'RUNNING' || r.status !== 'RUNNING');
    const cancelledAt = Date.now();
    expect((await fx().api.post(`/v1/runs/${started.run_id}/cancel`)).status).toBe(200);
    // c1's attempt is stopped by its runner's watch (its log section closes), well before its minute.
    let logs = '';
    while (!logs.includes('--- attempt 1: failed') && Date.now() - cancelledAt < 30_000) {
      logs = await taskLogs(fx().api, started.run_id, taskRun(await getRun(fx().api, started.run_id), 'c1').task_run_id).catch(() => '');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(logs).toContain('--- attempt 1: failed');
    const run = await getRun(fx().api, started.run_id);
    expect(run.status).toBe('CANCELLED');
    expectNoOpenTaskRun(run);
    expect(run.task_runs.map((t) => [t.task_name, t.status, t.attempt])).toEqual([
      ['c0', 'SUCCEEDED', 1],
      ['c1', 'FAILED', 1],
      ['c2', 'SKIPPED', 0],
      ['c3', 'SKIPPED', 0],
    ]);
  }, 90_000);

  test('an attempt whose runner died is found by the heartbeat and failed', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'lost', handler: 'seed', timeout_seconds: 1 },
        { name: 'after', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [{ from: 'lost', to: 'after' }],
    });
    const org = fx().tenant.org_id;
    const runId = await createQueuedRun(fx().platform, org, flow, ['lost', 'after']);
    // The attempt started 72 s ago and no runner holds it: its result can no longer come
    // (timeout 1 s + grace + the runner's reserve: 76 s) a few seconds after the execution starts,
    // so the first iteration finds it still running even on a loaded machine, and a heartbeat
    // finds it lost.
    const past = new ManualClock(Date.now() - 72_000);
    const { taskRuns } = repositoriesOf(fx().platform, past);
    expect(await taskRuns.start(org, runId, 'lost', { executor: 'lambda', attempt: 0 })).toBe(true);
    const arn = await startExecution(fx().platform, runId, { org_id: org, run_id: runId, options: { heartbeat_seconds: 1 } });
    const run = await waitForRun(fx().api, runId);
    expect(run.status).toBe('FAILED');
    expect(taskRun(run, 'lost')).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(taskRun(run, 'lost').error_message).toContain('no result from the lambda runner');
    expect(taskRun(run, 'after').status).toBe('SKIPPED');
    expectNoOpenTaskRun(run);
    const execution = await localStepFunctionsOf(fx().platform.emulator).settled(arn);
    expect(execution?.stateCounts.Heartbeat).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test('an execution started for a run that is already finished ends without touching it', async () => {
    const flow = await registerFlow(fx().api, { tasks: [{ name: 'seed', timeout_seconds: 30 }] });
    const org = fx().tenant.org_id;
    const runId = await createQueuedRun(fx().platform, org, flow, ['seed']);
    const { runs } = repositoriesOf(fx().platform);
    expect(await runs.transitionRun(org, runId, ['QUEUED'], 'CANCELLED')).toBe(true);
    const arn = await startExecution(fx().platform, runId, { org_id: org, run_id: runId });
    const execution = await localStepFunctionsOf(fx().platform.emulator).settled(arn);
    expect(execution?.status).toBe('SUCCEEDED');
    const run = await getRun(fx().api, runId);
    expect(run.status).toBe('CANCELLED');
    expect(taskRun(run, 'seed')).toMatchObject({ status: 'PENDING', attempt: 0 });
  }, 60_000);
});
