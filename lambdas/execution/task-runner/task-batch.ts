import { errorText } from '../../shared/errors';
import { createGroupCommit } from '../../shared/group-commit';
import type { RunContext } from '../run-events';
import type { SucceedOptions, TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import { watchRunStatus } from './cancel-watch';
import { createEventBatcher } from './event-batcher';
import type { RunnerServices } from './runner-services';
import type { RunTaskBatchEvent, RunTaskEvent } from './runner-events';
import { runClaimedAttempt, wakeAfterAttempt } from './single-task';

/** Task-run events of a batch per PutEvents request (EventBridge takes at most 10). */
const EVENT_BATCH = 10;
/** How long a request of events waits for a full batch (event-batcher.ts). */
const EVENT_LINGER_MS = 100;

/**
 * Runs the attempts a step-functions run's loop started together (a fan-out's), all at once in
 * this invocation, each exactly as runSingleTask runs one (its own code-executor invocation,
 * timeout and outcome). What they share goes out together: their claims in one transaction (a
 * duplicate delivery of the batch loses them all, as a duplicate single claim loses); successes
 * that arrive while one is in flight go in the next request (group commit: the first waits for
 * nothing, so no attempt's outcome is delayed by another's), and the completions one write recorded
 * wake the loop in one request; events ten per request; and one watch of the run's status stops
 * them all on a cancel. Returns how many attempts were recorded.
 */
export async function runTaskBatch(s: RunnerServices, batch: RunTaskBatchEvent, host: { remainingMs?: () => number; signal?: AbortSignal } = {}): Promise<number> {
  const { org_id, run_id, tasks } = batch;
  const run: RunContext = { org_id, run_id, ...tasks[0]!.run };
  const events = createEventBatcher<TaskRunRecord>({
    batch: EVENT_BATCH,
    lingerMs: EVENT_LINGER_MS,
    maxQueued: 100,
    inFlight: 2,
    send: (items) =>
      s.events.taskRunStatusChanged(run, items).catch((error: unknown) => {
        s.logger.warn('could not publish task run events', { org_id, run_id, task_names: items.map((t) => t.task_name), error: errorText(error) });
      }),
  });
  const claims = await s.taskRuns.claimManyDetailed(
    org_id,
    run_id,
    tasks.map((t) => t.started),
  );
  const claimed = new Map(tasks.map((t, i) => [t.task_name, claims[i] ?? null]));

  const successes = createGroupCommit<{ event: RunTaskEvent; opts: SucceedOptions }, TaskRunTransition>(async (items) => {
    const [only] = items;
    if (items.length === 1 && only !== undefined) return [await s.taskRuns.succeedDetailed(org_id, run_id, only.event.task_name, only.opts)];
    return s.taskRuns.succeedManyDetailed(
      org_id,
      run_id,
      items.map(({ event, opts: { attempt: _attempt, ...result } }) => ({ before: claimed.get(event.task_name)!, result })),
    );
  });
  // Wakes go out per turn of the event loop, not behind each other: the completions one success
  // write recorded wake the loop together, at once. A wake held back behind another would reach
  // the loop after it had read its completion (and maybe dispatched a sole successor): a wasted
  // iteration that dispatches that successor again.
  let wakesThisTurn: Array<{ event: RunTaskEvent; recorded: TaskRunRecord | null; done: () => void }> = [];
  const wake = (event: RunTaskEvent, recorded: TaskRunRecord | null) =>
    new Promise<void>((done) => {
      wakesThisTurn.push({ event, recorded, done });
      if (wakesThisTurn.length > 1) return;
      setImmediate(() => {
        const items = wakesThisTurn;
        wakesThisTurn = [];
        void wakeAfterAttempt(
          s,
          items.map((i) => i.event),
          items.length === 1 ? items[0]!.recorded : null,
        ).then(() => items.forEach((i) => i.done()));
      });
    });

  // One watch of the run's status for the whole batch (each attempt polled it on its own before).
  const stops = new Set<() => void>();
  let stopped = false;
  let endWatch: (() => void) | undefined;
  const watch = (onStop: () => void) => {
    if (stopped) {
      onStop();
      return () => undefined;
    }
    stops.add(onStop);
    endWatch ??= watchRunStatus(s, org_id, run_id, () => {
      stopped = true;
      for (const stop of stops) stop();
    });
    return () => {
      stops.delete(onStop);
      if (stops.size > 0) return;
      endWatch?.();
      endWatch = undefined;
    };
  };

  try {
    const recorded = await Promise.all(
      tasks.map((event) =>
        runClaimedAttempt(s, event, claimed.get(event.task_name) ?? null, {
          ...host,
          events,
          succeed: (e, opts) => successes.submit({ event: e, opts }),
          wake,
          watch,
        }),
      ),
    );
    return recorded.filter((r) => r !== null).length;
  } finally {
    endWatch?.();
    await events.flush();
  }
}
