import type { TriggerRule } from './flow-spec';
import type { TaskStatus } from './states';
import { isTerminalTaskStatus } from './states';

/** What a PENDING task should do given its upstreams' current statuses. */
export type TriggerDecision =
  | { kind: 'ready' }
  | { kind: 'wait' }
  | { kind: 'skip'; reason: string };

export interface UpstreamStatus {
  name: string;
  status: TaskStatus;
}

const READY: TriggerDecision = { kind: 'ready' };
const WAIT: TriggerDecision = { kind: 'wait' };

/**
 * Decides a PENDING task's fate. A task without upstreams is ready whatever its rule. Otherwise
 * ("terminal" = SUCCEEDED, FAILED or SKIPPED; checks run in this order):
 *
 * | rule        | ready when                          | skipped when                                   |
 * |-------------|-------------------------------------|------------------------------------------------|
 * | all_success | every upstream SUCCEEDED            | any upstream FAILED or SKIPPED (even early)    |
 * | all_done    | every upstream terminal             | never                                          |
 * | one_success | any upstream SUCCEEDED (even early) | every upstream terminal, none SUCCEEDED        |
 * | one_failed  | any upstream FAILED (even early)    | every upstream terminal, none FAILED           |
 * | none_failed | every upstream terminal, none FAILED| any upstream FAILED (even early)               |
 *
 * and it waits otherwise. Each decision is final: upstream statuses only move towards terminal,
 * so a task that is ready or skipped would stay so whatever the other upstreams do later.
 */
export function evaluateTriggerRule(rule: TriggerRule, upstreams: readonly UpstreamStatus[]): TriggerDecision {
  if (upstreams.length === 0) return READY;
  const allTerminal = upstreams.every((u) => isTerminalTaskStatus(u.status));
  const firstWith = (status: TaskStatus) => upstreams.find((u) => u.status === status);
  const failed = firstWith('FAILED');

  switch (rule) {
    case 'all_success': {
      const blocker = failed ?? firstWith('SKIPPED');
      if (blocker) return skip(`upstream '${blocker.name}' ${blocker.status}`);
      return upstreams.every((u) => u.status === 'SUCCEEDED') ? READY : WAIT;
    }
    case 'all_done':
      return allTerminal ? READY : WAIT;
    case 'one_success':
      if (firstWith('SUCCEEDED')) return READY;
      return allTerminal ? skip('trigger rule one_success cannot hold: no upstream succeeded') : WAIT;
    case 'one_failed':
      if (failed) return READY;
      return allTerminal ? skip('trigger rule one_failed cannot hold: no upstream failed') : WAIT;
    case 'none_failed':
      if (failed) return skip(`upstream '${failed.name}' FAILED`);
      return allTerminal ? READY : WAIT;
  }
}

function skip(reason: string): TriggerDecision {
  return { kind: 'skip', reason };
}
