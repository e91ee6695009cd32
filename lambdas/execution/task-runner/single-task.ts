import { errorText } from '../../shared/errors';
import { retryThrottled } from '../../shared/dynamo/throttle-retry';
import type { RunContext } from '../run-events';
import type { TaskRunRecord } from '../task-run-repository';
import { wakeAfterAttempt } from './attempt';
import { MANY_EVENTS, runAttemptChain } from './attempt-chain';
import { watchRunStatus } from './cancel-watch';
import { createEventBatcher } from './event-batcher';
import type { RunnerServices } from './runner-services';
import type { RunTaskEvent } from './runner-events';

/**
 * How long an attempt's start event waits to go out with its end's: longer than a trivial
 * attempt on a loaded machine, short enough that a dashboard sees a long one start at once (the
 * grouped writes of chains and whole-DAG runs wait as long: grouped-writes.ts).
 */
const START_EVENT_LINGER_MS = 250;

/**
 * Runs one attempt of one task (the step-functions executor's unit of work) and the chain that
 * follows it (attempt-chain.ts), records each, and wakes the run's advance loop. Never throws:
 * whatever happens ends as a recorded outcome, so no task run is left RUNNING by an error of the
 * runner itself. Returns the last attempt's record (null: it lost, or ran nothing).
 */
export async function runSingleTask(
  s: RunnerServices,
  event: RunTaskEvent,
  host: { remainingMs?: () => number; signal?: AbortSignal } = {},
): Promise<TaskRunRecord | null> {
  const run: RunContext = { org_id: event.org_id, run_id: event.run_id, ...event.run };
  // This attempt's events: its start's (when this runner starts it) waits a moment for its end's,
  // so that a short attempt sends both in one request (event-batcher.ts); a chain's go out as a
  // batch's do.
  const events = createEventBatcher<TaskRunRecord>({
    ...(event.then === undefined ? { batch: 2, lingerMs: START_EVENT_LINGER_MS, maxQueued: 2 } : MANY_EVENTS),
    send: (batch) =>
      s.events.taskRunStatusChanged(run, batch).catch((error: unknown) => {
        s.logger.warn('could not publish task run events', { org_id: run.org_id, run_id: run.run_id, task_name: event.task_name, error: errorText(error) });
      }),
  });
  // At most once: a duplicate or stale delivery of this attempt runs nothing and records nothing.
  // The claim is this runner's start of the attempt when the loop left the start to it (`starts`).
  let claimed: TaskRunRecord | null;
  if (event.starts === true) {
    const started = await retryThrottled(() => s.taskRuns.startClaimedDetailed(event.org_id, event.run_id, event.task_name, { executor: event.executor, attempt: event.attempt }));
    claimed = started.won ? started.taskRun : null;
    // Its RUNNING event, which the loop publishes for the attempts it starts, goes out while the
    // attempt runs, or with its end.
    if (started.won) void events.push(started.taskRun);
  } else {
    claimed = await retryThrottled(() => s.taskRuns.claimAttemptDetailed(event.org_id, event.run_id, event.task_name, event.attempt));
  }
  const { last } = await runAttemptChain(s, event, claimed, {
    ...host,
    events,
    succeed: (e, _claimed, opts) => s.taskRuns.succeedDetailed(e.org_id, e.run_id, e.task_name, opts),
    wake: (chain, taskRun) => wakeAfterAttempt(s, chain, taskRun, event.loop.sole === true),
    watch: (onStop) => watchRunStatus(s, event.org_id, event.run_id, onStop),
  });
  await events.flush();
  return last;
}

