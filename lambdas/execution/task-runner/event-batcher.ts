/**
 * The runners' outgoing task-run events: they queue in the order of their transitions and go out
 * in requests of up to `batch`, off the run's critical path, all before the runner returns (flush).
 *
 * A partial batch waits up to `lingerMs` for more. Without the wait a chain's events left one per
 * request (each task's two transitions ~20 ms apart, a request taking less): the wait is a batching
 * window for telemetry, never for the run, whose next step does not wait on it; a full batch or a
 * flush ends it at once. Full batches may go out `inFlight` requests at once (default one): a
 * fan-out's events arrive faster than one request at a time carries them on a busy process (a
 * 200-task fan-out's 40 requests took ~46 ms each), and beyond `maxQueued` waiting `push` waits for
 * the queue to drain, which would hold the run back. Requests at once may land out of order, as
 * EventBridge delivers anyway; one at a time they go in order.
 */
export interface EventBatcher<T> {
  push(item: T): Promise<void>;
  /** Sends everything queued now, without waiting for a batch to fill; resolves when all went out. */
  flush(): Promise<void>;
}

export function createEventBatcher<T>(options: { send: (batch: T[]) => Promise<void>; batch: number; lingerMs: number; maxQueued: number; inFlight?: number }): EventBatcher<T> {
  const { send, batch, lingerMs, maxQueued } = options;
  const inFlight = Math.max(1, options.inFlight ?? 1);
  const queued: T[] = [];
  const senders = new Set<Promise<void>>();
  // Senders with a request out (the others are about to take the queue's next batch, or waiting).
  let sending = 0;
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

  // One sender at a time waits for a partial batch to fill; another finding one waiting ends.
  const sendQueued = async (self: { done?: Promise<void> }) => {
    await Promise.resolve();
    try {
      while (queued.length > 0) {
        if (queued.length < batch && !flushing) {
          if (wake !== undefined) return;
          await lingerForBatch();
        }
        const items = queued.splice(0, batch);
        if (items.length === 0) continue;
        sending++;
        try {
          await send(items);
        } finally {
          sending--;
        }
      }
    } finally {
      // In the same turn as the queue was found empty: an item queued later starts a sender anew.
      senders.delete(self.done!);
    }
  };
  const startSender = () => {
    const self: { done?: Promise<void> } = {};
    self.done = sendQueued(self);
    senders.add(self.done);
  };

  return {
    async push(item) {
      while (queued.length >= maxQueued && senders.size > 0) await Promise.race(senders);
      queued.push(item);
      if (queued.length >= batch) wake?.();
      // A full batch no sender is free to take starts another, up to inFlight.
      if (senders.size === 0 || (queued.length >= batch && sending === senders.size && senders.size < inFlight)) startSender();
    },
    async flush() {
      flushing = true;
      wake?.();
      while (queued.length > 0 && senders.size < inFlight) startSender();
      while (senders.size > 0) await Promise.all(senders);
      flushing = false;
    },
  };
}
