import type { Context } from 'aws-lambda';
import { createFunction as createTaskRunner } from '../../../lambdas/execution/task-runner/app';
import { describeExecutorScenarios, expectNoOpenTaskRun } from './executors-scenarios';
import { createQueuedRun, getRun, registerFlow, repositoriesOf, startRun, taskRun, waitForRun } from './executors-support';

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

  test('the whole-DAG invocation stops its work before the Lambda deadline', async () => {
    const flow = await registerFlow(fx().api, {
      tasks: [
        { name: 'sleeper', handler: 'sleepy', parameters: { ms: 20_000 }, timeout_seconds: 5 },
        { name: 'after', handler: 'add', timeout_seconds: 1 },
      ],
      edges: [{ from: 'sleeper', to: 'after' }],
    });
    const org = fx().tenant.org_id;
    const runId = await createQueuedRun(fx().platform, org, flow, ['sleeper', 'after'], { executor: 'lambda' });
    expect(await repositoriesOf(fx().platform).runs.transitionRun(org, runId, ['QUEUED'], 'RUNNING')).toBe(true);
    // The invocation has 40 s when it checks whether the DAG fits (6 s of worst case: it does),
    // and only 31 s when it sets its stop timer: it must stop 30 s before the end, after 1 s.
    const remaining = [40_000, 31_000];
    const context = { getRemainingTimeInMillis: () => remaining.shift() ?? 0 } as unknown as Context;
    const handler = createTaskRunner(fx().platform.envFor('task-runner'), { logSink: () => undefined });
    const outcome = await handler({ action: 'run-dag', org_id: org, run_id: runId }, context);
    expect(outcome).toEqual({ status: 'FAILED', error: 'stopped before the 15-minute Lambda cap: the run did not finish in time' });
    const run = await getRun(fx().api, runId);
    expect(taskRun(run, 'sleeper')).toMatchObject({ status: 'FAILED', error_message: 'stopped before the 15-minute Lambda cap: the run did not finish in time' });
    expect(taskRun(run, 'after').status).toBe('SKIPPED');
  }, 60_000);
});
