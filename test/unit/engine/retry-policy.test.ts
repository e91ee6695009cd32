import type { RetrySettings } from '../../../lambdas/engine';
import { retryDelaySeconds, shouldRetry } from '../../../lambdas/engine';

const policy = (overrides: Partial<RetrySettings>): RetrySettings => ({
  retries: 3, retry_delay_seconds: 1, retry_backoff: 1, retry_max_delay_seconds: 3600, retry_jitter: false, ...overrides,
});

describe('shouldRetry', () => {
  it('allows retries + 1 attempts in total', () => {
    expect([1, 2, 3].map((a) => shouldRetry({ retries: 2 }, a))).toEqual([true, true, false]);
    expect(shouldRetry({ retries: 0 }, 1)).toBe(false);
  });
});

describe('retryDelaySeconds', () => {
  const delays = (p: RetrySettings, attempts: number) =>
    Array.from({ length: attempts }, (_, i) => retryDelaySeconds(p, i + 1));

  it('grows by the backoff factor from the base delay', () => {
    expect(delays(policy({ retry_delay_seconds: 1, retry_backoff: 2 }), 5)).toEqual([1, 2, 4, 8, 16]);
    expect(delays(policy({ retry_delay_seconds: 3, retry_backoff: 1.5 }), 3)).toEqual([3, 4.5, 6.75]);
  });

  it('stays constant with backoff 1 and is capped by retry_max_delay_seconds', () => {
    expect(delays(policy({ retry_delay_seconds: 7 }), 3)).toEqual([7, 7, 7]);
    expect(delays(policy({ retry_backoff: 2, retry_max_delay_seconds: 5 }), 5)).toEqual([1, 2, 4, 5, 5]);
  });

  it('stays finite for huge attempt numbers and zero for a zero base', () => {
    expect(retryDelaySeconds(policy({ retry_backoff: 10 }), 10_000)).toBe(3600);
    expect(retryDelaySeconds(policy({ retry_delay_seconds: 0, retry_backoff: 10 }), 10_000)).toBe(0);
  });

  it('applies full jitter from the injected random source', () => {
    const p = policy({ retry_delay_seconds: 2, retry_backoff: 2, retry_jitter: true });
    expect(retryDelaySeconds(p, 3, () => 0.25)).toBe(2);
    expect(retryDelaySeconds(p, 3, () => 0)).toBe(0);
    const withDefault = retryDelaySeconds(p, 3);
    expect(withDefault).toBeGreaterThanOrEqual(0);
    expect(withDefault).toBeLessThan(8);
  });

  it('ignores the random source without jitter', () => {
    expect(retryDelaySeconds(policy({ retry_delay_seconds: 2 }), 1, () => 0.1)).toBe(2);
  });
});
