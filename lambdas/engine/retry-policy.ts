import type { NormalizedTaskSpec } from './flow-spec';

export type RetrySettings = Pick<
  NormalizedTaskSpec,
  'retries' | 'retry_delay_seconds' | 'retry_backoff' | 'retry_max_delay_seconds' | 'retry_jitter'
>;

/**
 * Whether a task gets another attempt after attempt number `attempt` (1-based) failed:
 * `retries: N` allows up to N + 1 attempts.
 */
export function shouldRetry(task: Pick<RetrySettings, 'retries'>, attempt: number): boolean {
  return attempt <= task.retries;
}

/**
 * Seconds to wait after failed attempt `attempt` (1-based) before the next one:
 * min(retry_max_delay_seconds, retry_delay_seconds × retry_backoff^(attempt-1)). With
 * retry_jitter it is "full jitter": uniform in [0, that value), drawn from `random` (a [0, 1)
 * source, injectable for tests) so that many failing tasks do not retry in lockstep.
 */
export function retryDelaySeconds(task: RetrySettings, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // A zero base stays zero even when backoff^exponent overflows to Infinity (0 × Infinity = NaN).
  const uncapped = task.retry_delay_seconds === 0 ? 0 : task.retry_delay_seconds * task.retry_backoff ** exponent;
  const capped = Math.min(task.retry_max_delay_seconds, uncapped);
  return task.retry_jitter ? capped * random() : capped;
}
