import { localEcsOf } from '../../../local/ecs/local-ecs';
import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { registerFlow, startRun, taskRun, waitForRun } from './executors-support';

describeExecutorScenarios('ecs', (fx) => {
  test('a crash of the runner container itself fails the run and settles its task runs', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'kill', timeout_seconds: 30 },
        { name: 'after', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'kill' },
        { from: 'kill', to: 'after' },
      ],
    });
    const run = await waitForRun(fx().api, (await startRun(fx().api, { ...flow, executor: 'ecs', parameters: { start: 1 } })).run_id);
    expect(run.status).toBe('FAILED');
    expect(run.error_message).toMatch(/ECS runner failed \(exit code 137\)/);
    expectNoOpenTaskRun(run);
    expect(taskRun(run, 'seed').status).toBe('SUCCEEDED');
    expect(taskRun(run, 'kill').status).toBe('FAILED');
    expect(taskRun(run, 'after').status).toBe('SKIPPED');
    // It ran in its own process, which is gone.
    const tasks = localEcsOf(fx().platform.emulator).list();
    expect(tasks.some((t) => t.exitCode === 137)).toBe(true);
    expect(tasks.every((t) => t.lastStatus === 'STOPPED')).toBe(true);
  }, 60_000);
});
