import type { NormalizedFlowSpec } from './flow-spec';
import { graphOf } from './graph';
import { finalRunStatus } from './run-status';
import type { TaskStatus, TaskStatusMap } from './states';
import { isTerminalTaskStatus, statusOf } from './states';
import { evaluateTriggerRule } from './trigger-rules';

export interface SkipDecision {
  task: string;
  reason: string;
}

export interface AdvanceResult {
  /** PENDING tasks whose trigger rule holds, in topological order: start them. */
  ready: string[];
  /** PENDING tasks whose trigger rule can no longer hold, cascade included: mark them SKIPPED. */
  skip: SkipDecision[];
  /** True when every task is terminal once `skip` is applied (then `ready` is empty). */
  done: boolean;
  /** finalRunStatus once `skip` is applied: null until done. */
  finalStatus: 'SUCCEEDED' | 'FAILED' | null;
}

/**
 * One scheduling step, pure: given the current task statuses (missing = PENDING), says which
 * tasks to start and which to skip. Skips cascade within the call (a skipped task can make its
 * downstreams skippable), so after applying them a second call with no other change returns the
 * same `ready` and no skip. Callers own the transitions: mark `ready` RUNNING, `skip` SKIPPED.
 */
export function advance(spec: NormalizedFlowSpec, taskStates: TaskStatusMap): AdvanceResult {
  const graph = graphOf(spec);
  // Statuses as they will be once the skips are applied; topological order means each task's
  // upstreams are settled before it is looked at, so one pass yields the whole cascade.
  const projected = new Map<string, TaskStatus>();
  const ready: string[] = [];
  const skip: SkipDecision[] = [];

  for (const task of graph.topologicalOrder) {
    const status = statusOf(taskStates, task);
    projected.set(task, status);
    if (status !== 'PENDING') continue;
    const upstreams = graph.upstreams.get(task)!.map((name) => ({ name, status: projected.get(name)! }));
    const decision = evaluateTriggerRule(graph.specs.get(task)!.trigger_rule, upstreams);
    if (decision.kind === 'ready') ready.push(task);
    else if (decision.kind === 'skip') {
      skip.push({ task, reason: decision.reason });
      projected.set(task, 'SKIPPED');
    }
  }

  const done = [...projected.values()].every(isTerminalTaskStatus);
  return { ready, skip, done, finalStatus: done ? finalRunStatus(projected.values()) : null };
}
