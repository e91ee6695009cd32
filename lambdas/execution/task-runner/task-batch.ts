import { errorText } from '../../shared/errors';
import { retryThrottled } from '../../shared/dynamo/throttle-retry';
import { createGroupCommit } from '../../shared/group-commit';
import type { RunContext } from '../run-events';
import type { SucceedOptions, TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import { watchRunStatus } from './cancel-watch';
import { createEventBatcher } from './event-batcher';
import type { RunnerServices } from './runner-services';
import type { RunTaskBatchEvent, RunTaskEvent } from './runner-events';
import { wakeAfterAttempt } from './attempt';
import { MANY_EVENTS, runAttemptChain } from './attempt-chain';

/**
 * Runs the attempts a step-functions run's loop started together (a fan-out's), all at once in
 * this invocation, each exactly as runSingleTask runs one (its own code-executor invocation,
 * timeout and outcome). What they share goes out together: their claims in one transaction (a
 * duplicate delivery of the batch loses them all, as a duplicate single claim loses); successes
 * that arrive while one is in flight go in the next request (group commit: the first waits for
 * nothing, so no attempt's outcome is delayed by another's), and the completions one write recorded
 * wake the loop in one request; events ten per request; and one watch of the run's status stops
 * them all on a cancel. An attempt that carries a chain runs it after itself (attempt-chain.ts).
 * Returns how many attempts were recorded.
 */
export async function runTaskBatch(s: RunnerServices, batch: RunTaskBatchEvent, host: { remainingMs?: () => number; signal?: AbortSignal } = {}): Promise<number> {
  const { org_id, run_id, tasks } = batch;
  const run: RunContext = { org_id, run_id, ...tasks[0]!.run };
  const events = createEventBatcher<TaskRunRecord>({
    ...MANY_EVENTS,
    send: (items) =>
      s.events.taskRunStatusChanged(run, items).catch((error: unknown) => {
        s.logger.warn('could not publish task run events', { org_id, run_id, task_names: items.map((t) => t.task_name), error: errorText(error) });
      }),
  });
  // A throttled claim is sent again: the invocation failing would leave its attempts to be found
  // lost only at their deadlines.
  const claims = await retryThrottled(() =>
    s.taskRuns.claimManyDetailed(
      org_id,
      run_id,
      tasks.map((t) => t.started),
    ),
  );
  const claimed = new Map(tasks.map((t, i) => [t.task_name, claims[i] ?? null]));

  const successes = createGroupCommit<{ event: RunTaskEvent; claimed: TaskRunRecord; opts: SucceedOptions }, TaskRunTransition>(async (items) => {
    const [only] = items;
    if (items.length === 1 && only !== undefined) return [await s.taskRuns.succeedDetailed(org_id, run_id, only.event.task_name, only.opts)];
    return s.taskRuns.succeedManyDetailed(
      org_id,
      run_id,
      items.map(({ claimed: before, opts: { attempt: _attempt, ...result } }) => ({ before, result })),
    );
  });
  // Wakes go out per turn of the event loop, not behind each other: the completions one success
  // write recorded wake the loop together, at once. A wake held back behind another would reach
  // the loop after it had read its completion (and maybe dispatched a sole successor): a wasted
  // iteration that dispatches that successor again.
  let wakesThisTurn: Array<{ events: readonly RunTaskEvent[]; recorded: TaskRunRecord | null; done: () => void }> = [];
  const wake = (events: readonly RunTaskEvent[], recorded: TaskRunRecord | null) =>
    new Promise<void>((done) => {
      wakesThisTurn.push({ events, recorded, done });
      if (wakesThisTurn.length > 1) return;
      setImmediate(() => {
        const items = wakesThisTurn;
        wakesThisTurn = [];
        // A batch is never the only work its loop left running (not sole).
        void wakeAfterAttempt(
          s,
          items.flatMap((i) => i.events),
          null,
          false,
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
    const chains = await Promise.all(
      tasks.map((event) =>
        runAttemptChain(s, event, claimed.get(event.task_name) ?? null, {
          ...host,
          events,
          succeed: (e, before, opts) => successes.submit({ event: e, claimed: before, opts }),
          wake,
          watch,
        }),
      ),
    );
    return chains.reduce((sum, c) => sum + c.recorded, 0);
  } finally {
    endWatch?.();
    await events.flush();
  }
}
