/*
 * One attempt of a step-functions run, as every runner of such attempts runs it (single-task.ts,
 * task-batch.ts, attempt-chain.ts; the ECS loop records its containers' attempts with
 * recordAttempt): its time budget, its run, the record of its outcome, the loop's wake.
 */
import { errorText } from '../../shared/errors';
import type { JsonObject, NormalizedTaskSpec } from '../../engine';
import { retryDelaySeconds, shouldRetry, taskParameters } from '../../engine';
import { isoNow } from '../../shared/clock';
import { wakeRunLoop } from '../orchestrator/loop-protocol';
import type { RunContext } from '../run-events';
import type { SucceedOptions, TaskRunRecord, TaskRunTransition, TerminalPrice } from '../task-run-repository';
import { terminalPrice } from '../run-cost';
import { retryThrottled } from '../../shared/dynamo/throttle-retry';
import type { EventBatcher } from './event-batcher';
import { logSection } from './run-object-store';
import type { RunnerServices } from './runner-services';
import type { RunTaskEvent } from './runner-events';
import type { AttemptOutcome } from './task-executor';
import { timeoutMessage } from './task-executor';

/** Time kept back from the host's deadline to record the attempt's result. */
export const RECORD_RESERVE_MS = 15_000;

/**
 * How long an attempt may run: the task's timeout, or what is left of the host's time (a Lambda
 * invocation ends at 15 minutes) minus the time to record the result.
 */
export function attemptBudget(task: Pick<NormalizedTaskSpec, 'timeout_seconds'>, remainingMs: number | undefined): { timeoutMs: number; message: string } {
  const wanted = task.timeout_seconds * 1000;
  const message = timeoutMessage(task.timeout_seconds);
  if (remainingMs === undefined) return { timeoutMs: wanted, message };
  const available = Math.max(0, remainingMs - RECORD_RESERVE_MS);
  if (wanted <= available) return { timeoutMs: wanted, message };
  return {
    timeoutMs: available,
    message: `stopped at the 15-minute Lambda cap after ${Math.round(available / 1000)}s: timeout_seconds ${task.timeout_seconds} does not fit in one Lambda invocation (use the ecs executor for this task)`,
  };
}

/**
 * Records one finished attempt: its log section, its output (when it succeeded), and the TaskRun
 * transition from RUNNING at this attempt: SUCCEEDED, FAILED, or back to PENDING with not_before
 * when the task has retries left. A writer that lost (the run was cancelled, a duplicate delivery)
 * changes nothing. A terminal transition carries the task run's cost when `priced` holds a price.
 * `succeed` writes a success (a runner may group it with others); `beforeFailure` runs before a
 * failure or retry is written (a chain writes the attempt's start first). Returns the transition
 * (the caller publishes its event).
 */
export async function recordAttempt(
  s: Pick<RunnerServices, 'objects' | 'taskRuns' | 'clock' | 'logger'>,
  run: RunContext,
  task: NormalizedTaskSpec,
  attempt: number,
  outcome: AttemptOutcome,
  startedAtIso: string,
  priced: { price?: TerminalPrice } = {},
  succeed: (opts: SucceedOptions) => Promise<TaskRunTransition> = (opts) => s.taskRuns.succeedDetailed(run.org_id, run.run_id, task.name, opts),
  beforeFailure?: () => Promise<void>,
): Promise<TaskRunTransition> {
  const { org_id, run_id } = run;
  const retrying = !outcome.ok && shouldRetry(task, attempt);
  const delay = retrying ? retryDelaySeconds(task, attempt) : 0;
  const verdict = outcome.ok ? 'succeeded' : `failed: ${outcome.error}${retrying ? `; retry in ${delay}s` : ''}`;
  // The log and the output are stored before or with the transition (small ones in its own write),
  // so whoever sees the new status finds both.
  const section = logSection(attempt, startedAtIso, outcome.log, verdict);
  const storeLog = (async () => {
    // A run's first attempt of a task starts its log (run ids are never reused): no read needed.
    const before = attempt === 1 ? '' : await s.objects.logOf(org_id, run_id, task.name, await s.taskRuns.get(org_id, run_id, task.name, { consistent: true }));
    return s.objects.storeLog(org_id, run_id, task.name, before + section);
  })().catch((error: unknown): { log_text?: string | null } => {
    s.logger.warn('could not store the task log', { org_id, run_id, task_name: task.name, error: errorText(error) });
    return {};
  });
  let result: AttemptOutcome = outcome;
  let output: { output_ref: string | null; output_json: string | null } = { output_ref: null, output_json: null };
  if (result.ok) {
    try {
      output = await s.objects.storeOutput(org_id, run_id, task.name, result.json);
    } catch (error) {
      result = { ok: false, error: `could not store the output: ${errorText(error)}`, log: result.log };
    }
  }
  const log = await storeLog;
  let transition: TaskRunTransition;
  if (result.ok) {
    transition = await succeed({ ...output, ...log, attempt, ...priced });
    if (transition.won && output.output_ref !== null) s.objects.rememberOutput(org_id, output.output_ref, result.json);
  } else if (shouldRetry(task, attempt)) {
    await beforeFailure?.();
    transition = await s.taskRuns.scheduleRetryDetailed(org_id, run_id, task.name, {
      not_before: new Date(s.clock.nowMs() + (retrying ? delay : retryDelaySeconds(task, attempt)) * 1000).toISOString(),
      error_message: result.error,
      ...log,
      attempt,
    });
  } else {
    await beforeFailure?.();
    transition = await s.taskRuns.failDetailed(org_id, run_id, task.name, { error_message: result.error, ...log, attempt, ...priced });
  }
  await keepLogOfLostAttempt(s, org_id, run_id, task.name, attempt, log, transition);
  return transition;
}

/**
 * An attempt whose transition lost (the run was cancelled while it ran, and the cancel settled
 * the task first) still leaves its log: the small text goes to its task run, and a log that grew
 * into the object no longer leaves an earlier attempt's inline text in front of it.
 */
export async function keepLogOfLostAttempt(
  s: Pick<RunnerServices, 'taskRuns'>,
  orgId: string,
  runId: string,
  taskName: string,
  attempt: number,
  log: { log_text?: string | null },
  transition: TaskRunTransition,
): Promise<void> {
  if (!transition.won && log.log_text !== undefined) await s.taskRuns.recordLog(orgId, runId, taskName, attempt, log.log_text);
}

/**
 * What an attempt's runner does beside running it, shared by the attempts one invocation runs:
 * alone (runSingleTask) each has its own; a batch's (task-batch.ts) share them, so that their
 * writes, wakes and events go out together; a chain's steps (attempt-chain.ts) share their first's.
 */
export interface AttemptHost {
  remainingMs?: () => number;
  signal?: AbortSignal;
  /** Where the attempt's task-run events go (its start's, when its runner started it, and its end's). */
  events: EventBatcher<TaskRunRecord>;
  /** Records the attempt's success (recordAttempt's write); `claimed` is its task run as its claim left it. */
  succeed: (event: RunTaskEvent, claimed: TaskRunRecord, opts: SucceedOptions) => Promise<TaskRunTransition>;
  /**
   * Wakes the run's loop once the attempt's completion is recorded (null: it lost); `events` are
   * the attempts whose task runs this runner changed since the loop last heard of it (the chain
   * that ends with this one). Never throws.
   */
  wake: (events: readonly RunTaskEvent[], recorded: TaskRunRecord | null) => Promise<void>;
  /** Runs before an attempt's failure or retry is written (see recordAttempt). */
  beforeFailure?: () => Promise<void>;
  /** Calls `onStop` once the run is no longer RUNNING (a cancel); returns the end of the watch. */
  watch: (onStop: () => void) => () => void;
}

/**
 * The wake of completions (`events`' attempts, ended or chained): their tasks in the run's change
 * set, or the last one's record to the loop when they ran as the only work it left running (sole).
 */
export function wakeAfterAttempt(s: Pick<RunnerServices, 'sfn' | 'runs' | 'logger'>, events: readonly RunTaskEvent[], recorded: TaskRunRecord | null, sole: boolean): Promise<void> {
  const first = events[0]!;
  return wakeRunLoop(
    { sfn: s.sfn, runs: s.runs, logger: s.logger },
    {
      org_id: first.org_id,
      run_id: first.run_id,
      token: first.loop.token,
      iteration: first.loop.iteration,
      heartbeat_seconds: first.loop.heartbeat_seconds,
      sole,
      task_run: recorded,
      task_names: events.map((e) => e.task_name),
    },
  );
}

/**
 * Runs an attempt this runner claimed (`claimed`, null when the claim lost: then nothing runs),
 * records its outcome, wakes the loop, and queues its end's event (the host sends it).
 */
export async function runClaimedAttempt(s: RunnerServices, event: RunTaskEvent, claimed: TaskRunRecord | null, host: AttemptHost): Promise<TaskRunRecord | null> {
  const run: RunContext = { org_id: event.org_id, run_id: event.run_id, ...event.run };
  if (claimed === null) {
    s.logger.warn('attempt already claimed or no longer current: not run', { org_id: event.org_id, run_id: event.run_id, task_name: event.task_name, attempt: event.attempt });
    return null;
  }
  const startedAt = isoNow(s.clock);
  let outcome: AttemptOutcome;
  try {
    let parameters: JsonObject | null = event.parameters;
    if (parameters === null) {
      const record = await s.runs.get(event.org_id, event.run_id, { consistent: true });
      parameters = taskParameters(record?.parameters, event.task);
    }
    const inputs: Record<string, unknown> = {};
    for (const [upstream, ref] of Object.entries(event.inputs)) {
      const inline = event.inline_inputs?.[upstream];
      inputs[upstream] = inline !== undefined ? (JSON.parse(inline) as unknown) : await s.objects.outputByRef(event.org_id, ref, s.taskRuns);
    }
    const budget = attemptBudget(event.task, host.remainingMs?.());
    // A cancelled run stops its attempts (the sandbox is terminated), not only its loop.
    const stop = new AbortController();
    const endWatch = host.watch(() => stop.abort(new Error('run cancelled')));
    const signal = host.signal ? AbortSignal.any([host.signal, stop.signal]) : stop.signal;
    try {
      outcome = await s.executor.run({
        orgId: event.org_id,
        runId: event.run_id,
        task: event.task,
        artifact: event.artifact,
        attempt: event.attempt,
        parameters,
        inputs,
        timeoutMs: budget.timeoutMs,
        timeoutMessage: budget.message,
        signal,
      });
    } finally {
      endWatch();
    }
  } catch (error) {
    outcome = { ok: false, error: `the task runner could not run the task: ${errorText(error)}`, log: '' };
  }
  let recorded: TaskRunRecord | null = null;
  try {
    // This runner serves the step-functions executor: each attempt is its own unit of work.
    // A throttled write is sent again (retryThrottled) rather than failing an attempt that ran.
    const transition = await retryThrottled(() =>
      recordAttempt(s, run, event.task, event.attempt, outcome, startedAt, terminalPrice(s.ledger, 'step-functions', claimed), (opts) => host.succeed(event, claimed, opts), host.beforeFailure),
    );
    recorded = transition.won ? transition.taskRun : null;
  } catch (error) {
    s.logger.error('could not record the attempt', { org_id: event.org_id, run_id: event.run_id, task_name: event.task_name, error: errorText(error) });
    // Last resort: fail the attempt without its output or log, so the run can move on.
    try {
      await host.beforeFailure?.();
      const failed = await s.taskRuns.failDetailed(event.org_id, event.run_id, event.task_name, {
        error_message: `could not record the result: ${errorText(error)}`,
        attempt: event.attempt,
      });
      if (failed.won) recorded = failed.taskRun;
    } catch (inner) {
      s.logger.error('could not fail the task run', { org_id: event.org_id, run_id: event.run_id, error: errorText(inner) });
    }
  }
  await host.wake([event], recorded);
  // The events go out after the loop is woken: they are not on the run's critical path. A failure
  // is logged (the status is recorded: only the event is lost).
  if (recorded !== null) await host.events.push(recorded);
  return recorded;
}
