import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { JsonObject } from '../../engine';
import type { Logger } from '../../shared/logger';
import type { RunRecord, RunRepository } from '../run-repository';
import type { TaskRunRecord } from '../task-run-repository';

/*
 * The step-functions executor's advance loop, as seen by everyone who wakes it.
 *
 * The state machine's `Advance` state is a `lambda:invoke.waitForTaskToken` task: the orchestrator
 * parks the state's token on the Run item (wait_token, loop_iteration) BEFORE reading the task
 * runs, dispatches what is ready, and returns; the state then waits until someone redeems the token
 * with SendTaskSuccess and a LoopSignal, which becomes `$.Payload`, the next iteration's input.
 *
 * Who redeems: a task completion, after its TaskRun transition is written. The only task its
 * iteration left running (sole) first tries the token it was dispatched with (the loop cannot
 * have moved since, unless its heartbeat ran out). Any other completion adds its task to the Run's
 * change set (`changed_tasks`), a write that answers the Run's current wait_token and whether this
 * completion is the first since that park (`woken_seq`); only the first redeems it: with
 * several tasks running, a redeem each was one SendTaskSuccess per task, all but one of them
 * failing on a token already redeemed. A waker whose redeem fails gives the waking back. Because the
 * token is parked before the task runs are read, a completion either happened before the read (the
 * advance sees it) or finds the parked token (and wakes the loop): no completion is lost, and no
 * lock is needed.
 *
 * What changed: the park takes and empties the change set in the same write, and reports the token
 * the previous park left. An iteration whose container still holds the view the previous iteration
 * ended with (and no park since) re-reads only the changed task runs. Any completion but a sole
 * one registers before it wakes: after the last park, in the set this park takes; before it, in
 * the set that park took, whose iteration read it. A sole completion's record travels in its signal.
 */

export interface LoopOptions {
  /** Longest wait for a completion; on expiry the loop advances anyway (finds lost tasks). */
  heartbeat_seconds: number;
  /** Iterations per execution before continuing in a new one (history stays under 25,000 events). */
  max_iterations: number;
}

export const LOOP_DEFAULTS: LoopOptions = {
  heartbeat_seconds: 300,
  // An iteration writes at most ~12 history events (Advance task 6, Choice 2, Wait/heartbeat 4):
  // 1,500 iterations stay well under Step Functions' 25,000-event history limit.
  max_iterations: 1500,
};

/** Most tasks of one run RUNNING at once under the step-functions executor. */
export const MAX_RUNNING_TASKS = 50;

export type LoopNext = 'advance' | 'sleep' | 'done' | 'continue';

/** What redeems the Advance token; the state machine stores it as `$.Payload`. */
export interface LoopSignal {
  next: LoopNext;
  /** The iteration that ended (the next Advance is iteration + 1). */
  iteration: number;
  /** TimeoutSeconds of the next Advance state (its wait for a completion). */
  wait_seconds: number;
  /** For next = sleep: seconds of the Wait state before the next Advance. */
  sleep_seconds?: number;
  /**
   * Set by a completion that redeemed the token it was dispatched with, when its task was the
   * only one the ended iteration left running: no task then holds an older token, so the next
   * Advance need not park its token on the Run (every running task will hold the new one).
   */
  sole?: boolean;
  /**
   * With sole: the task run as its completion recorded it. The next Advance then needs no read of
   * the task runs when it still holds the ended iteration's view (advance.ts, the loop view).
   */
  task_run?: TaskRunRecord;
  /**
   * Read every task run, not only the changed ones: set by the Heartbeat state and by a wake-up
   * that names no change (the reconciler's), so that a completion whose change-set write was lost
   * (its wake-up failed) is found by the next heartbeat, as before the change set.
   */
  reread?: true;
}

/** Step Functions' answers for a token whose state is over (or never was): not an error here. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Redeems a task token; false when the token is stale (its state already ended). */
export async function redeemToken(sfn: SFNClient, token: string, signal: LoopSignal): Promise<boolean> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(signal) }));
    return true;
  } catch (error) {
    if (error instanceof Error && STALE_TOKEN_ERRORS.has(error.name)) return false;
    throw error;
  }
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}

/** Loop options from an execution input or the Run's `orchestration` field (defaults filled in). */
export function loopOptions(source: unknown): LoopOptions {
  const record = typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : {};
  return {
    heartbeat_seconds: Math.min(positiveInt(record.heartbeat_seconds, LOOP_DEFAULTS.heartbeat_seconds), 86_400),
    max_iterations: positiveInt(record.max_iterations, LOOP_DEFAULTS.max_iterations),
  };
}

export function loopOptionsJson(options: LoopOptions, segment: number): JsonObject {
  return { heartbeat_seconds: options.heartbeat_seconds, max_iterations: options.max_iterations, segment };
}

export interface WakeRequest {
  org_id: string;
  run_id: string;
  /** The token the completed task was dispatched with, and that iteration (absent: go to the Run). */
  token?: string;
  iteration?: number;
  heartbeat_seconds?: number;
  /** The task was the only one its iteration left running (see LoopSignal.sole). */
  sole?: boolean;
  /** The completion's recorded task run (sent on with sole, see LoopSignal.task_run). */
  task_run?: TaskRunRecord | null;
  /** The tasks whose runs changed (completions): registered in the Run's change set unless the sole one's token is live. */
  task_names?: readonly string[];
}

/**
 * Wakes the run's advance loop after a completion was recorded. Never throws: a failure is logged,
 * and the loop's heartbeat finds the completion later.
 */
export async function wakeRunLoop(deps: { sfn: SFNClient; runs: RunRepository; logger: Logger }, request: WakeRequest): Promise<void> {
  try {
    // The sole running task (no change-set entry: its record travels in the signal), or a waker
    // that names no task.
    const changed = request.task_names ?? [];
    if (request.token !== undefined && request.iteration !== undefined && (request.sole === true || changed.length === 0)) {
      const signal: LoopSignal = {
        next: 'advance',
        iteration: request.iteration,
        wait_seconds: request.heartbeat_seconds ?? LOOP_DEFAULTS.heartbeat_seconds,
        ...(request.sole === true ? { sole: true } : {}),
        ...(request.sole === true && request.task_run ? { task_run: request.task_run } : {}),
        ...(changed.length === 0 ? { reread: true as const } : {}),
      };
      if (await redeemToken(deps.sfn, request.token, signal)) return;
    }
    // A completion registers its task in the change set (the write answers the parked token, and
    // whether this completion is the first since the park: only that one redeems it, the others'
    // changes are in the set the next park takes); anyone else (the reconciler) only reads the Run.
    if (changed.length > 0) {
      const marked = await deps.runs.markTasksChanged(request.org_id, request.run_id, changed);
      if (marked === null || !marked.wakes) return;
      const { run } = marked;
      try {
        await redeemToken(deps.sfn, run.wait_token!, { next: 'advance', iteration: run.loop_iteration, wait_seconds: loopOptions(run.orchestration).heartbeat_seconds });
      } catch (error) {
        // Not delivered: the next completion wakes the loop instead (or, with none, its heartbeat).
        await deps.runs.unmarkWoken(request.org_id, request.run_id, marked.park).catch(() => false);
        throw error;
      }
      return;
    }
    const run: RunRecord | null = await deps.runs.get(request.org_id, request.run_id, { consistent: true });
    if (run === null || run.status !== 'RUNNING' || run.wait_token === null) return;
    await redeemToken(deps.sfn, run.wait_token, { next: 'advance', iteration: run.loop_iteration, wait_seconds: loopOptions(run.orchestration).heartbeat_seconds, reread: true });
  } catch (error) {
    deps.logger.warn('could not wake the run loop', {
      org_id: request.org_id,
      run_id: request.run_id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
