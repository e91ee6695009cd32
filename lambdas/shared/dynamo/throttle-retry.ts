/*
 * Retrying a request the store refused before applying it (a throttle, a transaction conflict),
 * for writes whose failure would end work that is otherwise done: an attempt's result, a whole-DAG
 * run's task runs. The SDK retries throttles itself a few times; under a longer burst its last
 * refusal would fail the attempt or the run. Only refusals are retried: an error that may follow
 * an applied write (a timeout, a 5xx) is not, since a conditional write sent again would then lose
 * to itself.
 */

/** Error names of requests refused before they were applied. */
const REFUSED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'SlowDown',
]);

/** Whether `error` says the request was refused unapplied (throttled or conflicting). */
export function isRefusedUnapplied(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $retryable?: { throttling?: unknown } | null };
  return (typeof e.name === 'string' && REFUSED.has(e.name)) || e.$retryable?.throttling === true;
}

export interface ThrottleRetryOptions {
  /** Tries in all (the first included). */
  tries: number;
  /** The first wait's ceiling; each next one doubles (full jitter: a random wait up to it). */
  baseDelayMs: number;
  random?: () => number;
}

/** Sends again, after a jittered exponential wait, while the store refuses it unapplied; throws the last refusal. */
export async function retryThrottled<T>(attempt: () => Promise<T>, options: ThrottleRetryOptions = { tries: 5, baseDelayMs: 50 }): Promise<T> {
  const random = options.random ?? Math.random;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRefusedUnapplied(error) || i >= options.tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, random() * options.baseDelayMs * 2 ** (i - 1)));
    }
  }
}
