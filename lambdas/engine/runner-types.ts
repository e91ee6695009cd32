import type { Sleep } from './async-primitives';
import type { NormalizedTaskSpec } from './flow-spec';
import type { TaskStatus } from './states';

// The contract between runDagInProcess and the executors that host it (Lambda, ECS).

/** What one attempt of a task produced. Throwing from executeTask counts as `ok: false`. */
export type TaskAttemptResult = { ok: true; output: unknown } | { ok: false; error: string };

export interface ExecuteContext {
  /** Aborted once the attempt no longer matters (timed out, run cancelled, or settled): stop the work. */
  signal: AbortSignal;
  task: NormalizedTaskSpec;
}

interface EventBase {
  task: string;
  attempt: number;
  /** now() when the event happened. */
  at: number;
}

/**
 * A task run transition, delivered in order per task (a task's `started` is delivered before its
 * outcome, an upstream's `succeeded` before its downstream's `started`). `retrying` keeps the
 * task RUNNING between attempts.
 */
export type TaskUpdateEvent =
  | (EventBase & { type: 'started'; status: 'RUNNING' })
  | (EventBase & { type: 'retrying'; status: 'RUNNING'; error: string; retryDelaySeconds: number })
  | (EventBase & { type: 'succeeded'; status: 'SUCCEEDED'; output: unknown })
  | (EventBase & { type: 'failed'; status: 'FAILED'; error: string })
  | (EventBase & { type: 'skipped'; status: 'SKIPPED'; reason: string });

/** A task's state as the runner reports it. attempt is 0 for a task that never started. */
export interface TaskRunState {
  status: TaskStatus;
  attempt: number;
  output?: unknown;
  /** Last attempt's error (FAILED, or RUNNING between retries). */
  error?: string;
  /** Why the task was SKIPPED. */
  reason?: string;
  startedAt?: number;
  completedAt?: number;
}

export interface RunDagOptions {
  /** Runs one attempt. inputs = each SUCCEEDED upstream's name -> its output. */
  executeTask: (
    task: string,
    attempt: number,
    inputs: Record<string, unknown>,
    context: ExecuteContext,
  ) => Promise<TaskAttemptResult>;
  /**
   * Records a transition (e.g. writes the TaskRun); a task's updates are delivered in order. A
   * start is recorded while its attempt runs; an outcome is awaited before any downstream starts.
   * If it throws, the run rejects.
   */
  onTaskUpdate?: (event: TaskUpdateEvent) => Promise<void> | void;
  /** Waits between retries; default real timers. */
  sleep?: Sleep;
  /** Times each attempt against timeout_seconds; default real timers. Separate from sleep so
   * tests can resolve retry waits at once while timeouts only fire when they say so. */
  timeoutTimer?: Sleep;
  /** Clock for events and states; default Date.now. */
  now?: () => number;
  /** [0, 1) source for retry jitter; default Math.random. */
  random?: () => number;
  /** Most attempts executing at once (a task waiting to retry holds no slot); default unlimited. */
  maxConcurrency?: number;
  /** To resume or retry a run: tasks SUCCEEDED here keep their state and output and are not
   * run again; every other task starts over from PENDING. */
  initialStates?: Readonly<Record<string, { status: TaskStatus; attempt?: number; output?: unknown } | undefined>>;
  /** Polled before each scheduling step (after each task outcome or retry); throttle it yourself
   * if it is costly. True cancels the run. */
  isCancelled?: () => Promise<boolean> | boolean;
  /** Aborting it cancels the run at once. */
  signal?: AbortSignal;
}

export interface RunDagResult {
  status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  taskStates: Record<string, TaskRunState>;
  /** The spec's outputs resolved against the SUCCEEDED tasks' outputs (null when missing). */
  outputs: Record<string, unknown>;
}
