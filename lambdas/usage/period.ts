import type { Clock } from '../shared/clock';

/** A usage period: a calendar month in UTC, `YYYY-MM`. */
export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return PERIOD_PATTERN.test(value);
}

/** The period an ISO timestamp falls in (UTC). */
export function periodOf(iso: string): string {
  return new Date(iso).toISOString().slice(0, 7);
}

export function currentPeriod(clock: Clock): string {
  return new Date(clock.nowMs()).toISOString().slice(0, 7);
}

/** The days of a period, `YYYY-MM-DD`, in order. */
export function daysOf(period: string): string[] {
  const match = PERIOD_PATTERN.exec(period);
  if (match === null) throw new Error(`not a period: ${period}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${period}-${String(i + 1).padStart(2, '0')}`);
}
