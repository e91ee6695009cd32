/** Status of one task within a run (TaskRun.status in the data model). */
export const TASK_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Status of a run (Run.status in the data model). */
export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A task in one of these states never changes again. */
export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'SKIPPED';
}

/** A run in one of these states never changes again. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}

/** The minimum the engine needs to know about a task's progress; callers may carry more fields. */
export interface TaskStatusView {
  status: TaskStatus;
}

/** Task progress keyed by task name; a task missing from the map counts as PENDING. */
export type TaskStatusMap = Readonly<Record<string, TaskStatusView | undefined>>;

/** Reads a task's status from a caller's map without trusting inherited properties. */
export function statusOf(states: TaskStatusMap, task: string): TaskStatus {
  return Object.hasOwn(states, task) ? (states[task]?.status ?? 'PENDING') : 'PENDING';
}
