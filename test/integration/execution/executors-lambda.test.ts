import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { registerFlow, startRun, taskRun, waitForRun } from './executors-support';

describeExecutorScenarios('lambda', (fx) => {
  test('a DAG whose worst case cannot fit in one invocation fails with the 15-minute cap, before running anything', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'seed', timeout_seconds: 500 },
        { name: 'next', handler: 'add', timeout_seconds: 500 },
      ],
      edges: [{ from: 'seed', to: 'next' }],
    });
    const run = await waitForRun(fx().api, (await startRun(fx().api, { ...flow, executor: 'lambda' })).run_id);
    expect(run.status).toBe('FAILED');
    expect(run.error_message).toContain('exceeds the 15-minute Lambda cap');
    expect(run.error_message).toContain('seed -> next');
    expect(taskRun(run, 'seed')).toMatchObject({ status: 'SKIPPED', attempt: 0 });
    expectNoOpenTaskRun(run);
  }, 60_000);
});
