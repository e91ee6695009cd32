import { parseFlowSpec } from '../../../lambdas/engine';
import { attemptDeadlineMs } from '../../../lambdas/execution/orchestrator/advance';
import { describeCaughtError } from '../../../lambdas/execution/orchestrator/app';
import { loopOptions } from '../../../lambdas/execution/orchestrator/loop-protocol';
import { attemptBudget } from '../../../lambdas/execution/task-runner/attempt';
import { worstCasePathSeconds } from '../../../lambdas/execution/task-runner/whole-dag';

const code = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'code', handler: `tasks/${name}.mjs:run`, ...extra });

describe('worstCasePathSeconds (can the DAG fit in one Lambda invocation?)', () => {
  const spec = parseFlowSpec({
    tasks: [
      code('a', { timeout_seconds: 10, retries: 2, retry_delay_seconds: 5, retry_backoff: 2 }),
      code('b', { timeout_seconds: 100 }),
      code('c', { timeout_seconds: 30 }),
      code('d', { timeout_seconds: 1 }),
    ],
    edges: [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ],
  });

  test('every attempt runs to its timeout and every retry waits its delay, along the longest path', () => {
    // a: 3 attempts × 10 s + delays 5 + 10 = 45; then b (100), then d (1).
    expect(worstCasePathSeconds(spec, new Set())).toEqual({ seconds: 146, tasks: ['a', 'b', 'd'] });
  });

  test('tasks kept from a retried run cost nothing', () => {
    expect(worstCasePathSeconds(spec, new Set(['a', 'b']))).toEqual({ seconds: 31, tasks: ['c', 'd'] });
  });
});

describe('attemptBudget', () => {
  test('the task timeout when the host has time for it', () => {
    expect(attemptBudget({ timeout_seconds: 60 }, 600_000)).toEqual({ timeoutMs: 60_000, message: 'timed out after 60s' });
    expect(attemptBudget({ timeout_seconds: 86_400 }, undefined)).toEqual({ timeoutMs: 86_400_000, message: 'timed out after 86400s' });
  });

  test('what is left of the Lambda invocation otherwise, with a message that says so', () => {
    const budget = attemptBudget({ timeout_seconds: 3600 }, 900_000);
    expect(budget.timeoutMs).toBe(885_000);
    expect(budget.message).toContain('15-minute Lambda cap');
    expect(budget.message).toContain('use the ecs executor');
  });
});

describe('attemptDeadlineMs (when a RUNNING attempt is known lost)', () => {
  const spec = parseFlowSpec({ tasks: [code('l', { timeout_seconds: 3600 }), code('e', { timeout_seconds: 3600, executor: 'ecs' })] });
  const start = '2024-01-01T00:00:00.000Z';
  test('a lambda attempt cannot outlive its invocation; an ecs one gets its timeout and time to provision', () => {
    expect(attemptDeadlineMs(spec.tasks[0]!, start) - Date.parse(start)).toBe((885 + 60 + 15) * 1000);
    expect(attemptDeadlineMs(spec.tasks[1]!, start) - Date.parse(start)).toBe((3600 + 600 + 15) * 1000);
  });
});

describe('describeCaughtError', () => {
  test('a Lambda function error', () => {
    expect(describeCaughtError({ Error: 'Error', Cause: JSON.stringify({ errorMessage: 'run r not found', errorType: 'Error' }) })).toBe('Error: run r not found');
  });
  test('an ECS task that exited non-zero', () => {
    const cause = JSON.stringify({ Containers: [{ Name: 'runner', ExitCode: 137 }], StoppedReason: 'Essential container in task exited' });
    expect(describeCaughtError({ Error: 'States.TaskFailed', Cause: cause })).toBe('the ECS runner failed (exit code 137): Essential container in task exited');
  });
  test('anything else as it is, clipped', () => {
    expect(describeCaughtError({ Error: 'States.Timeout' })).toBe('States.Timeout');
    expect(describeCaughtError({ Error: 'X', Cause: 'y'.repeat(2000) })).toHaveLength(1001);
  });
});

describe('loopOptions', () => {
  test('defaults, and only positive integers are taken', () => {
    expect(loopOptions(undefined)).toEqual({ heartbeat_seconds: 300, max_iterations: 1500 });
    expect(loopOptions({ heartbeat_seconds: 5, max_iterations: 0 })).toEqual({ heartbeat_seconds: 5, max_iterations: 1500 });
    expect(loopOptions({ heartbeat_seconds: 1e9, max_iterations: 2.5 })).toEqual({ heartbeat_seconds: 86_400, max_iterations: 1500 });
  });
});
