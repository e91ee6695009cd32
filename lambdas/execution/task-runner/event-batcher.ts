/**
 * The whole-DAG runner's outgoing task-run events: they queue in the order of their transitions
 * and go out one request of up to `batch` at a time (in order, so each task's events too), off the
 * run's critical path, all before the runner returns (flush).
 *
 * A request waits up to `lingerMs` for a full batch. Without the wait a chain's events left one per
 * request (each task's two transitions ~20 ms apart, a request taking less): the wait is a batching
 * window for telemetry, never for the run, whose next step does not wait on it; a full batch or a
 * flush ends it at once. One request at a time never floods the bus (and what consumes it); beyond
 * `maxQueued` waiting, `push` waits for the queue to drain.
 */
export interface EventBatcher<T> {
  push(item: T): Promise<void>;
  /** Sends everything queued now, without waiting for a batch to fill; resolves when all went out. */
  flush(): Promise<void>;
}

export function createEventBatcher<T>(options: { send: (batch: T[]) => Promise<void>; batch: number; lingerMs: number; maxQueued: number }): EventBatcher<T> {
  const { send, batch, lingerMs, maxQueued } = options;
  const queued: T[] = [];
  let sending: Promise<void> | undefined;
  let flushing = false;
  // Ends the current wait for a full batch (the batch filled, or a flush).
  let wake: (() => void) | undefined;

  const lingerForBatch = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, lingerMs);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const sendQueued = async () => {
    try {
      while (queued.length > 0) {
        if (queued.length < batch && !flushing) await lingerForBatch();
        await send(queued.splice(0, batch));
      }
    } finally {
      // Set in the same turn as the queue was found empty: an item queued later starts anew.
      sending = undefined;
    }
  };

  return {
    async push(item) {
      while (queued.length >= maxQueued && sending !== undefined) await sending;
      queued.push(item);
      if (queued.length >= batch) wake?.();
      sending ??= sendQueued();
    },
    async flush() {
      flushing = true;
      wake?.();
      while (sending !== undefined) await sending;
      flushing = false;
    },
  };
}
