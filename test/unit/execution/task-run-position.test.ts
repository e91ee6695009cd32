import { taskRunPosition } from '../../../lambdas/execution/ecs/ecs-orchestration';
import { TASK_RUN_TRANSITIONS } from '../../../lambdas/execution/task-run-repository';
import type { TaskStatus } from '../../../lambdas/engine';

/*
 * The ECS replay skips a transition whose from-state lies behind what it already saw: sound only
 * if every transition the lifecycle allows moves a task run forward in taskRunPosition's order.
 */

/** The attempt after a transition (only a start, PENDING → RUNNING, adds one). */
const attemptAfter = (from: TaskStatus, to: TaskStatus, attempt: number) => (from === 'PENDING' && to === 'RUNNING' ? attempt + 1 : attempt);

test('every allowed task-run transition, at any attempt, moves the task run forward', () => {
  let checked = 0;
  for (const [from, targets] of Object.entries(TASK_RUN_TRANSITIONS) as Array<[TaskStatus, readonly TaskStatus[]]>) {
    for (const to of targets) {
      // RUNNING exists from attempt 1; PENDING from attempt 0.
      for (let attempt = from === 'RUNNING' ? 1 : 0; attempt <= 5; attempt++) {
        const before = taskRunPosition({ status: from, attempt });
        const after = taskRunPosition({ status: to, attempt: attemptAfter(from, to, attempt) });
        expect({ from, to, attempt, forward: after > before }).toEqual({ from, to, attempt, forward: true });
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(20);
});

test('the states of one task run line up: PENDING 0, RUNNING 1, PENDING 1 (retry), RUNNING 2, then a terminal status', () => {
  const order = [
    taskRunPosition({ status: 'PENDING', attempt: 0 }),
    taskRunPosition({ status: 'RUNNING', attempt: 1 }),
    taskRunPosition({ status: 'PENDING', attempt: 1 }),
    taskRunPosition({ status: 'RUNNING', attempt: 2 }),
    taskRunPosition({ status: 'SUCCEEDED', attempt: 2 }),
  ];
  expect(order).toEqual([0, 1, 2, 3, Number.POSITIVE_INFINITY]);
  expect(taskRunPosition({ status: 'SKIPPED', attempt: 0 })).toBe(Number.POSITIVE_INFINITY);
  expect(taskRunPosition({ status: 'FAILED', attempt: 1 })).toBe(Number.POSITIVE_INFINITY);
});
