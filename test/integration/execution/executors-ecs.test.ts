import { localEcsOf } from '../../../local/ecs/local-ecs';
import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { registerFlow, startRun, taskRun, waitForRun } from './executors-support';

describeExecutorScenarios('ecs', (fx) => {
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
