import type { RunStatus, TaskStatus } from './states';
import { isTerminalTaskStatus } from './states';

/**
 * The status a run ends with once all its tasks are terminal: FAILED if any task FAILED (even
 * one whose failure a downstream one_failed/all_done task "handled"), else SUCCEEDED. Returns
 * null while any task is PENDING or RUNNING. Pass EVERY task of the run: a task left out cannot
 * hold the run open. CANCELLED is never derived here; it is the canceller's decision.
 */
export function finalRunStatus(
  taskStatuses: Iterable<TaskStatus> | Readonly<Record<string, TaskStatus>>,
): Extract<RunStatus, 'SUCCEEDED' | 'FAILED'> | null {
  const statuses: Iterable<TaskStatus> =
    Symbol.iterator in taskStatuses ? (taskStatuses as Iterable<TaskStatus>) : Object.values(taskStatuses);
  let failed = false;
  for (const status of statuses) {
    if (!isTerminalTaskStatus(status)) return null;
    if (status === 'FAILED') failed = true;
  }
  return failed ? 'FAILED' : 'SUCCEEDED';
}
