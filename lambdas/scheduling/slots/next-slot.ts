// Schedule slots: the instants (whole epoch seconds) at which a schedule is due.
//
// Modes
// - manual: no slots.
// - one_time: a single slot at start_at.
// - interval: start_at + k * interval_seconds (k >= 0); without start_at the anchor is the Unix
//   epoch, i.e. multiples of the interval since 1970-01-01T00:00:00Z. Elapsed time: the timezone
//   plays no part (an hourly interval stays 3600 s apart across DST).
// - cron: 5-field expressions evaluated on the wall clock of `timezone` (default UTC).
// Bounds: start_at and end_at are inclusive; no slot before start_at, none after end_at.
//
// DST policy (cron only; cron-parser supplies wall times, wall-time-resolution.ts maps them):
// - Spring forward: a wall time inside the gap fires ONCE, at the first valid instant after the
//   gap, i.e. the moment the clock jumps. `30 2 * * *` in America/New_York on 2026-03-08 fires at
//   03:00 EDT (07:00Z); in Europe/Berlin on 2026-03-29 at 03:00 CEST (01:00Z). This deliberately
//   differs from cron-parser's own tz mode (03:30, gap length added): it is never later than the
//   next real wall time, so `30 2,3 * * *` still fires twice that day (03:00 and 03:30). Several gap
//   wall times collapse into that single run (`*/20 2 * * *` fires once at 03:00), and a gap wall
//   time that lands on a real slot (hourly `0 2` and `0 3`) is the same run.
// - Fall back: a repeated wall time fires ONCE, at its first occurrence (the earlier, summer-time
//   instant): `30 1 * * *` in New York on 2026-11-01 fires at 01:30 EDT (05:30Z) only; Berlin
//   `30 2 * * *` on 2026-10-25 fires at 02:30 CEST (00:30Z) only.
//   Exception: expressions whose hour field covers all 24 hours (`0 * * * *`, `*/15 * * * *`)
//   are periodic in elapsed time and fire in BOTH copies of the repeated hour: `0 * * * *` fires
//   25 times on 2026-11-01 in New York and 23 times on 2026-03-08.
// Every result depends only on the schedule and the instant asked about (no iterator state), so
// chaining nextSlotAfter gives exactly slotsBetween.
import { compileSchedule } from './compile-schedule';
import { lastSlotOf, nextSlotOf, slotsOfBetween } from './compiled-slots';
import { epochToUtcIso, formatLocalIso } from './iso-timestamp';
import type { ScheduleTiming } from './schedule-timing-types';
import { offsetSecondsAt } from './time-zone';

export interface SlotPreview {
  epoch: number;
  /** e.g. 2026-03-08T07:30:00Z */
  utc: string;
  /** ISO with the offset in force in the schedule's zone, e.g. 2026-03-08T03:30:00-04:00 */
  local: string;
}

/**
 * First slot strictly after `afterEpochSeconds`, or null (manual, past end_at, one_time already past).
 * @throws InvalidScheduleTimingError for an invalid schedule.
 */
export function nextSlotAfter(schedule: ScheduleTiming, afterEpochSeconds: number): number | null {
  return nextSlotOf(compileSchedule(schedule), afterEpochSeconds);
}

/** Latest slot at or before `atOrBeforeEpochSeconds`, or null. */
export function lastSlotAtOrBefore(schedule: ScheduleTiming, atOrBeforeEpochSeconds: number): number | null {
  return lastSlotOf(compileSchedule(schedule), atOrBeforeEpochSeconds);
}

/** Slots in (fromExclusive, toInclusive], ascending, at most `limit` (toInclusive may be Infinity). */
export function slotsBetween(
  schedule: ScheduleTiming,
  fromExclusive: number,
  toInclusive: number,
  limit: number,
): number[] {
  return slotsOfBetween(compileSchedule(schedule), fromExclusive, toInclusive, limit);
}

/** The first `count` slots at or after `fromEpoch` (inclusive, unlike nextSlotAfter), for display. */
export function previewSlots(schedule: ScheduleTiming, fromEpoch: number, count: number): SlotPreview[] {
  const compiled = compileSchedule(schedule);
  const from = Math.ceil(fromEpoch) - 1;
  return slotsOfBetween(compiled, from, Number.POSITIVE_INFINITY, count).map((epoch) => ({
    epoch,
    utc: epochToUtcIso(epoch),
    local: formatLocalIso(epoch, offsetSecondsAt(compiled.timezone, epoch)),
  }));
}
