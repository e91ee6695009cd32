// Slot arithmetic on a compiled schedule, per mode. Inputs are floored to whole seconds: slots are
// whole seconds, so "slot > 10.5" is "slot > 10" and "slot <= 10.5" is "slot <= 10".
import type { CompiledSchedule } from './compile-schedule';
import { lastCronInstant, nextCronInstant } from './cron-slots';

function wholeSecond(epochSeconds: number, name: string): number {
  if (!Number.isFinite(epochSeconds)) throw new RangeError(`${name} must be a finite number of epoch seconds`);
  return Math.floor(epochSeconds);
}

/** First slot strictly after `afterEpochSeconds`, within start/end bounds; null when there is none. */
export function nextSlotOf(schedule: CompiledSchedule, afterEpochSeconds: number): number | null {
  const after = wholeSecond(afterEpochSeconds, 'afterEpochSeconds');
  const { startEpoch, endEpoch } = schedule;
  let slot: number | null;
  switch (schedule.mode) {
    case 'manual':
      return null;
    case 'one_time':
      slot = schedule.fireEpoch > after ? schedule.fireEpoch : null;
      break;
    case 'interval': {
      const { anchorEpoch, intervalSeconds } = schedule;
      const first = Math.max(after + 1, anchorEpoch);
      slot = anchorEpoch + Math.ceil((first - anchorEpoch) / intervalSeconds) * intervalSeconds;
      break;
    }
    case 'cron':
      // start_at is inclusive: look strictly after the second before it.
      slot = nextCronInstant(
        schedule.calendar,
        schedule.timezone,
        startEpoch === null ? after : Math.max(after, startEpoch - 1),
      );
      break;
  }
  return slot !== null && (endEpoch === null || slot <= endEpoch) ? slot : null;
}

/** Last slot at or before `atOrBeforeEpochSeconds`, within start/end bounds; null when there is none. */
export function lastSlotOf(schedule: CompiledSchedule, atOrBeforeEpochSeconds: number): number | null {
  const { startEpoch, endEpoch } = schedule;
  const bound = Math.min(
    wholeSecond(atOrBeforeEpochSeconds, 'atOrBeforeEpochSeconds'),
    endEpoch ?? Number.POSITIVE_INFINITY,
  );
  let slot: number | null;
  switch (schedule.mode) {
    case 'manual':
      return null;
    case 'one_time':
      slot = schedule.fireEpoch <= bound ? schedule.fireEpoch : null;
      break;
    case 'interval': {
      const { anchorEpoch, intervalSeconds } = schedule;
      slot =
        bound < anchorEpoch
          ? null
          : anchorEpoch + Math.floor((bound - anchorEpoch) / intervalSeconds) * intervalSeconds;
      break;
    }
    case 'cron':
      slot = lastCronInstant(schedule.calendar, schedule.timezone, bound);
      break;
  }
  return slot !== null && (startEpoch === null || slot >= startEpoch) ? slot : null;
}

/** Slots in (fromExclusive, toInclusive], ascending, at most `limit` of them. */
export function slotsOfBetween(
  schedule: CompiledSchedule,
  fromExclusive: number,
  toInclusive: number,
  limit: number,
): number[] {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  if (Number.isNaN(toInclusive)) throw new RangeError('toInclusive must be a number');
  const slots: number[] = [];
  let cursor = fromExclusive;
  while (slots.length < limit) {
    const slot = nextSlotOf(schedule, cursor);
    if (slot === null || slot > toInclusive) break;
    slots.push(slot);
    cursor = slot;
  }
  return slots;
}
