import { errorText } from '../../shared/errors';
import { retryThrottled } from '../../shared/dynamo/throttle-retry';
import { randomUUID } from 'node:crypto';
import type { NormalizedFlowSpec, TaskUpdateEvent } from '../../engine';
import { CANCELLED_MESSAGE, criticalPath, graphOf, retryDelaySeconds, runDagInProcess, taskParameters } from '../../engine';
import type { RunContext } from '../run-events';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import { watchRunStatus } from './cancel-watch';
import { logSection } from './run-object-store';
import type { RunnerServices } from './runner-services';
import type { RunDagEvent, RunDagOutcome } from './runner-events';
import { createEventBatcher } from './event-batcher';
import { keepLogOfLostAttempt } from './attempt';
import { GroupedWrites, LOST_WRITE } from './grouped-writes';
import { terminalPrice } from '../run-cost';

/** Most task attempts executing at once inside one invocation or container. */
export const IN_PROCESS_MAX_CONCURRENCY = 16;
/** Task-run events of a whole-DAG run per PutEvents request (EventBridge takes at most 10). */
const EVENT_BATCH = 10;
/** Events waiting to go out beyond which a task's next update waits (see runWholeDag). */
const EVENTS_QUEUED_MAX = 100;
/** How long a request of events waits for a full batch (event-batcher.ts). */
const EVENT_LINGER_MS = 100;
/** Requests of full batches of events out at once (event-batcher.ts: a fan-out outpaces one). */
const EVENT_REQUESTS_IN_FLIGHT = 4;
/** Time kept back before a Lambda deadline to settle the task runs and return. */
export const DAG_DEADLINE_RESERVE_MS = 30_000;

export interface DagHost {
  /** Where the run executes, recorded on each task run. */
  executor: 'lambda' | 'ecs';
  /** Lambda: the invocation's remaining time (the DAG must fit, and stops before it runs out). */
  remainingMs?: () => number;
  /** Aborted when the host is told to stop (the ECS task receives SIGTERM). */
  signal?: AbortSignal;
  cancelPollMs?: number;
  /** Who claims the run (the Lambda request id). */
  invocationId?: string;
}

/**
 * Worst case of a task: every attempt runs to its timeout and every retry waits its full delay.
 */
function worstCaseSeconds(spec: NormalizedFlowSpec, task: string): number {
  const t = graphOf(spec).specs.get(task)!;
  let total = (t.retries + 1) * t.timeout_seconds;
  for (let attempt = 1; attempt <= t.retries; attempt++) total += retryDelaySeconds({ ...t, retry_jitter: false }, attempt);
  return total;
}

/**
 * The longest chain of worst cases among the tasks still to run: what a Lambda invocation must
 * have room for before it starts the DAG.
 */
export function worstCasePathSeconds(spec: NormalizedFlowSpec, succeeded: ReadonlySet<string>): { seconds: number; tasks: string[] } {
  const path = criticalPath(spec, (task) => (succeeded.has(task) ? 0 : worstCaseSeconds(spec, task)));
  return { seconds: path.duration, tasks: path.tasks.filter((t) => !succeeded.has(t)) };
}

/**
 * Runs a whole DAG in this process (the `lambda` executor's invocation, the `ecs` executor's
 * container) with the engine's in-process runner: each transition is written to the TaskRun
 * (start, retry, success with its stored output, failure, skip) with its event, starts and
 * successes in groups a quarter second apart (see `writes` below). The run's own status is settled
 * afterwards by the state machine's Finalize step.
 */
export async function runWholeDag(s: RunnerServices, event: RunDagEvent, host: DagHost): Promise<RunDagOutcome> {
  const { org_id, run_id } = event;
  const run: RunRecord | null = await s.runs.get(org_id, run_id, { consistent: true });
  if (run === null) throw new Error(`run ${run_id} not found`);
  if (run.status !== 'RUNNING') return { status: 'NOT_RUN' };
  // At most once: a duplicate invocation of the same run finds it claimed and runs nothing. (A
  // throttled claim is sent again here: failing the invocation would fail the run.)
  const owner = host.invocationId ?? randomUUID();
  if (!(await retryThrottled(() => s.runs.claimDagRunner(org_id, run_id, owner)))) return { status: 'NOT_RUN' };
  const flow = await s.flows.get(org_id, run.flow_name, run.flow_version);
  const { spec } = flow;
  let listed = await s.taskRuns.listForRun(org_id, run_id, { consistent: true });
  if (listed.length < spec.tasks.length) {
    // The run starter writes every task run before the execution starts; complete an interrupted set.
    await retryThrottled(() => s.taskRuns.createMissing(org_id, run_id, spec.tasks.map((t) => ({ task_name: t.name }))));
    listed = await s.taskRuns.listForRun(org_id, run_id, { consistent: true });
  }
  const existing = new Map(listed.map((t) => [t.task_name, t]));
  const unexpected = [...existing.values()].filter((t) => t.status !== 'PENDING' && t.status !== 'SUCCEEDED');
  if (unexpected.length > 0) {
    return { status: 'FAILED', error: `the run was already under way (${unexpected.map((t) => `${t.task_name} ${t.status}`).join(', ')}); it is not run twice` };
  }
  const succeeded = new Set([...existing.values()].filter((t) => t.status === 'SUCCEEDED').map((t) => t.task_name));

  if (host.remainingMs !== undefined) {
    const budgetMs = host.remainingMs() - DAG_DEADLINE_RESERVE_MS;
    const worst = worstCasePathSeconds(spec, succeeded);
    if (worst.seconds * 1000 > budgetMs) {
      return {
        status: 'FAILED',
        error:
          `the flow exceeds the 15-minute Lambda cap: its longest path of task timeouts and retries (${worst.tasks.join(' -> ')}) ` +
          `takes up to ${worst.seconds}s; run it with the ecs or step-functions executor`,
      };
    }
  }

  // Outputs of kept SUCCEEDED tasks (a retried run) that a task still to run consumes.
  const graph = graphOf(spec);
  const initialStates: Record<string, { status: 'SUCCEEDED'; attempt: number; output: unknown }> = {};
  for (const task of succeeded) {
    const needed = graph.downstreams.get(task)!.some((down) => !succeeded.has(down));
    const record = existing.get(task)!;
    const output = needed ? await s.objects.outputOf(org_id, record) : null;
    initialStates[task] = { status: 'SUCCEEDED', attempt: record.attempt, output };
  }

  // Stops: cancellation (polled), the host's signal, the Lambda deadline.
  const stop = new AbortController();
  let stopReason = CANCELLED_MESSAGE;
  const halt = (reason: string) => {
    if (stop.signal.aborted) return;
    stopReason = reason;
    stop.abort(new Error(reason));
  };
  const timers: NodeJS.Timeout[] = [];
  const endWatch = watchRunStatus(s, org_id, run_id, () => halt(CANCELLED_MESSAGE), host.cancelPollMs);
  if (host.remainingMs !== undefined) {
    const deadlineIn = Math.max(0, host.remainingMs() - DAG_DEADLINE_RESERVE_MS);
    timers.push(setTimeout(() => halt('stopped before the 15-minute Lambda cap: the run did not finish in time'), deadlineIn));
  }
  const onHostAbort = () => halt(errorText(host.signal?.reason ?? 'the runner was stopped'));
  if (host.signal?.aborted) onHostAbort();
  host.signal?.addEventListener('abort', onHostAbort, { once: true });

  const runContext: RunContext = { org_id, run_id, flow_name: run.flow_name, flow_version: run.flow_version, deployment_name: run.deployment_name };
  const logs = new Map<string, string>();
  const attemptStarts = new Map<string, string>();
  const outputs = new Map<string, { output_ref: string; output_json: string | null }>();
  // Events are not on the run's critical path (event-batcher.ts): they go out in batches while
  // the DAG moves on, all before the runner returns.
  const events = createEventBatcher<TaskRunRecord>({
    batch: EVENT_BATCH,
    lingerMs: EVENT_LINGER_MS,
    maxQueued: EVENTS_QUEUED_MAX,
    inFlight: EVENT_REQUESTS_IN_FLIGHT,
    send: (batch) =>
      s.events.taskRunStatusChanged(runContext, batch).catch((error: unknown) => {
        s.logger.warn('could not publish task run events', { org_id, run_id, task_names: batch.map((t) => t.task_name), error: errorText(error) });
      }),
  });
  const publish = async (transition: TaskRunTransition) => {
    if (transition.won) await events.push(transition.taskRun);
  };
  // The task's whole log so far (this runner holds every attempt's text): small ones go into the
  // attempt's transition (log_text), larger ones to logs.txt first.
  const appendLog = async (task: string, attempt: number, body: string, verdict: string): Promise<{ log_text?: string | null }> => {
    const text = (logs.get(task) ?? '') + logSection(attempt, attemptStarts.get(task) ?? new Date(s.clock.nowMs()).toISOString(), body, verdict);
    logs.set(task, text);
    return s.objects.storeLog(org_id, run_id, task, text).catch((error: unknown) => {
      s.logger.warn('could not store the task log', { org_id, run_id, task_name: task, error: errorText(error) });
      return {};
    });
  };
  const attemptLogs = new Map<string, string>();
  // Each task run as this runner last wrote it (listed, then each start): its terminal write
  // carries its cost, priced from it (run-cost.ts), so the run's ledger has nothing left to write.
  const lastWritten = new Map<string, TaskRunRecord>(existing);
  const price = (task: string) => terminalPrice(s.ledger, run.executor, lastWritten.get(task));
  // An attempt's result recorded with its log (kept even when the transition lost), then published.
  const settle = async (task: string, attempt: number, log: { log_text?: string | null }, write: () => Promise<TaskRunTransition>) => {
    const transition = await retryThrottled(write);
    if (transition.won) lastWritten.set(task, transition.taskRun);
    await keepLogOfLostAttempt(s, org_id, run_id, task, attempt, log, transition);
    await publish(transition);
  };

  // Starts and successes are written in groups (grouped-writes.ts): an attempt's start and its
  // success wait up to a quarter second and go in one transaction with the others of that moment,
  // so a short attempt is started and ended in one update, and a chain of short tasks writes a few
  // times a second. A downstream starts once its upstream's success is queued, not written: its
  // own start and end go in the same or a later write, never before it. A failure or retry writes
  // what is queued first, then goes alone. What a dying runner leaves unwritten is lost with it.
  const writes = new GroupedWrites(s, org_id, run_id, (records) => {
    for (const record of records) {
      lastWritten.set(record.task_name, record);
      void events.push(record);
    }
  });
  // Each task run as its queued transitions will leave it.
  const queued = new Map<string, TaskRunRecord>();
  // A write that lost ends the run: a lost condition means the run was cancelled (nothing else moves
  // its task runs); a store that failed, that it could not be recorded.
  const onWriteLost = () => {
    const reason: unknown = writes.lost.signal.reason;
    halt(reason instanceof Error && reason.name === LOST_WRITE ? CANCELLED_MESSAGE : `could not record the task runs: ${errorText(reason)}`);
  };
  writes.lost.signal.addEventListener('abort', onWriteLost, { once: true });

  const onTaskUpdate = async (update: TaskUpdateEvent): Promise<void> => {
    const task = update.task;
    const iso = new Date(update.at).toISOString();
    switch (update.type) {
      case 'started': {
        attemptStarts.set(task, iso);
        const before = lastWritten.get(task);
        if (before === undefined) throw new Error(`no task run for ${task}`);
        queued.set(task, writes.start(before, host.executor, iso));
        return;
      }
      case 'retrying': {
        await writes.flush();
        const log = await appendLog(task, update.attempt, attemptLogs.get(task) ?? '', `failed: ${update.error}; retry in ${update.retryDelaySeconds}s`);
        await settle(task, update.attempt, log, () =>
          s.taskRuns.scheduleRetryDetailed(org_id, run_id, task, {
            not_before: new Date(update.at + update.retryDelaySeconds * 1000).toISOString(),
            error_message: update.error,
            ...log,
            attempt: update.attempt,
          }),
        );
        return;
      }
      case 'succeeded': {
        const log = await appendLog(task, update.attempt, attemptLogs.get(task) ?? '', 'succeeded');
        const output = outputs.get(task) ?? { output_ref: null, output_json: null };
        const started = queued.get(task);
        if (started === undefined || started.attempt !== update.attempt) throw new Error(`no start of ${task} attempt ${update.attempt}`);
        queued.set(task, writes.succeed(started, { ...output, ...log, ...terminalPrice(s.ledger, run.executor, started) }, iso));
        return;
      }
      case 'failed': {
        await writes.flush();
        const error = update.error === CANCELLED_MESSAGE ? stopReason : update.error;
        const log = update.attempt > 0 ? await appendLog(task, update.attempt, attemptLogs.get(task) ?? '', `failed: ${error}`) : {};
        await settle(task, update.attempt, log, () => s.taskRuns.failDetailed(org_id, run_id, task, { error_message: error, ...log, attempt: update.attempt, ...price(task) }));
        return;
      }
      case 'skipped': {
        const reason = update.reason === CANCELLED_MESSAGE ? stopReason : update.reason;
        await publish(await retryThrottled(() => s.taskRuns.skipDetailed(org_id, run_id, task, { reason, ...price(task) })));
        return;
      }
    }
  };

  try {
    const result = await runDagInProcess(spec, {
      maxConcurrency: IN_PROCESS_MAX_CONCURRENCY,
      initialStates,
      signal: stop.signal,
      now: () => s.clock.nowMs(),
      onTaskUpdate,
      executeTask: async (task, attempt, inputs, context) => {
        const outcome = await s.executor.run({
          orgId: org_id,
          runId: run_id,
          task: context.task,
          artifact: flow.artifact,
          attempt,
          parameters: taskParameters(run.parameters, context.task),
          inputs,
          // The engine times the attempt; the sandbox's own limit is a backstop just after it.
          timeoutMs: context.task.timeout_seconds * 1000 + 1000,
          timeoutMessage: `timed out after ${context.task.timeout_seconds}s`,
          signal: context.signal,
        });
        attemptLogs.set(task, outcome.log);
        if (!outcome.ok) return { ok: false, error: outcome.error };
        try {
          outputs.set(task, await s.objects.storeOutput(org_id, run_id, task, outcome.json));
        } catch (error) {
          return { ok: false, error: `could not store the output: ${errorText(error)}` };
        }
        return { ok: true, output: outcome.output };
      },
    });
    if (result.status === 'CANCELLED') {
      return stopReason === CANCELLED_MESSAGE ? { status: 'CANCELLED' } : { status: 'FAILED', error: stopReason };
    }
    return { status: result.status };
  } finally {
    endWatch();
    for (const timer of timers) clearTimeout(timer);
    // Everything queued is written before the state machine's Finalize reads the task runs.
    await writes.flush();
    host.signal?.removeEventListener('abort', onHostAbort);
    await events.flush();
  }
}
