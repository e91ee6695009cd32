import { createHash, randomUUID } from 'node:crypto';
import type { FunctionName, QueueDelivery } from '../lambdas/catalogue';

/**
 * The local stand-in for a function's SQS queue and Lambda's SQS event source (functions whose
 * catalogue entry has `queue`): messages wait up to the batching window for a full batch, a
 * batch is one invocation with an SQS event, and the records the function answers as failures
 * (`batchItemFailures`), or all of them if it throws, are received again after the visibility
 * timeout, at most `maxReceives` times, then dead-lettered.
 */
export interface LocalBatchQueue {
  send(body: string): void;
  /** Delivers what waits for its window now; resolves when no batch is in flight. Redeliveries still invisible are not waited for. */
  drain(): Promise<void>;
  /** Ends the queue: messages still waiting or invisible are dropped (as when a queue is deleted). */
  stop(): void;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  receives: number;
}

export interface LocalBatchQueueOptions {
  target: FunctionName;
  delivery: QueueDelivery;
  visibilityTimeoutMs: number;
  invoke: (name: FunctionName, event: unknown) => Promise<unknown>;
  onDeadLetter: (messageId: string, reason: string) => void;
  /** Timers (tests pass fake ones). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

const ARN_PREFIX = 'arn:aws:sqs:us-east-1:000000000000:';

function failedIds(result: unknown): Set<string> | null {
  if (result === undefined || result === null) return new Set();
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined) return new Set();
  if (!Array.isArray(failures)) return null;
  return new Set(failures.map((f) => String((f as { itemIdentifier?: unknown }).itemIdentifier)));
}

export function createLocalBatchQueue(opts: LocalBatchQueueOptions): LocalBatchQueue {
  // Unref'd: a message waiting in a queue does not keep a stopping process alive (nor would SQS).
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const waiting: Message[] = [];
  const invisible = new Set<unknown>();
  const inflight = new Set<Promise<void>>();
  let windowTimer: unknown;
  let stopped = false;

  const sqsEvent = (batch: Message[]) => ({
    Records: batch.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `${m.messageId}#${m.receives}`,
      body: m.body,
      attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt), ApproximateFirstReceiveTimestamp: String(m.sentAt) },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `${ARN_PREFIX}${opts.target}`,
      awsRegion: 'us-east-1',
    })),
  });

  const deliver = async (batch: Message[]) => {
    for (const m of batch) m.receives++;
    let failed: Set<string>;
    let reason: string;
    try {
      const result = await opts.invoke(opts.target, sqsEvent(batch));
      const ids = failedIds(result);
      // An answer that is not a partial batch response fails the whole batch, as in Lambda.
      failed = ids ?? new Set(batch.map((m) => m.messageId));
      reason = ids === null ? 'invalid batch response' : 'reported as a batch item failure';
    } catch (error) {
      failed = new Set(batch.map((m) => m.messageId));
      reason = error instanceof Error ? error.message : String(error);
    }
    for (const m of batch) {
      if (!failed.has(m.messageId)) continue;
      if (m.receives >= opts.delivery.maxReceives) {
        opts.onDeadLetter(m.messageId, reason);
        continue;
      }
      if (stopped) continue;
      const timer = setTimer(() => {
        invisible.delete(timer);
        enqueue(m);
      }, opts.visibilityTimeoutMs);
      invisible.add(timer);
    }
  };

  const flush = () => {
    if (windowTimer !== undefined) {
      clearTimer(windowTimer);
      windowTimer = undefined;
    }
    while (waiting.length > 0) {
      const batch = waiting.splice(0, opts.delivery.batchSize);
      const p = deliver(batch).finally(() => inflight.delete(p));
      inflight.add(p);
    }
  };

  const enqueue = (m: Message) => {
    if (stopped) return;
    waiting.push(m);
    if (waiting.length >= opts.delivery.batchSize) flush();
    else windowTimer ??= setTimer(flush, opts.delivery.batchingWindowSeconds * 1000);
  };

  return {
    send(body) {
      enqueue({ messageId: randomUUID(), body, sentAt: Date.now(), receives: 0 });
    },
    async drain() {
      flush();
      while (inflight.size > 0) {
        await Promise.all([...inflight]);
        flush();
      }
    },
    stop() {
      stopped = true;
      if (windowTimer !== undefined) clearTimer(windowTimer);
      windowTimer = undefined;
      for (const timer of invisible) clearTimer(timer);
      invisible.clear();
      waiting.length = 0;
    },
  };
}
