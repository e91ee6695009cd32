// Small builders shared by the scheduling slot tests.
import type { ScheduleTiming } from '../../../lambdas/scheduling/slots';

/** Epoch seconds of an ISO timestamp written with Z or an offset. */
export function epoch(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture timestamp ${iso}`);
  return ms / 1000;
}

/** `2026-03-08T07:00:00Z` style, for readable expectations. */
export function utc(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function cron(
  expression: string,
  timezone = 'UTC',
  extra: Partial<ScheduleTiming> = {},
): ScheduleTiming {
  return { mode: 'cron', cron_expression: expression, timezone, ...extra };
}

export function interval(seconds: number, extra: Partial<ScheduleTiming> = {}): ScheduleTiming {
  return { mode: 'interval', interval_seconds: seconds, ...extra };
}
