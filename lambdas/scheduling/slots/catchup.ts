// Which slots an evaluator tick fires, and where next_run_epoch moves to.
//
// `horizon` = now + lookaheadSeconds. Slots up to the horizon are due; those after `now` are not
// late, they are fired early so the caller can start them at their exact second (it waits until
// the slot). Catch-up policy only concerns slots that are already late (<= now):
// - all: every late slot fires, oldest first.
// - none: only the latest late slot fires; earlier ones are skipped.
// Upcoming slots in (now, horizon] always fire. At most maxPerTick slots fire per call; when more
// are owed, `remaining` is true and nextRunEpoch is the first unfired slot (call again).
//
// The stored next_run_epoch is read as an inclusive lower bound and slots are re-derived from the
// schedule, so a stale value (schedule edited since) cannot fire a time that is no longer a slot.
import { compileSchedule } from './compile-schedule';
import { lastSlotOf, nextSlotOf } from './compiled-slots';
import type { ScheduleTiming } from './schedule-timing-types';

export const DEFAULT_MAX_PER_TICK = 100;

export interface DueSlotsOptions {
  /** Upper bound on slots fired by one call (default 100). */
  maxPerTick?: number;
  /** Treat slots up to now + lookaheadSeconds as due (default 0). */
  lookaheadSeconds?: number;
}

export interface DueSlots {
  /** Slots to fire now, ascending (each is the run's idempotency slot time). */
  fire: number[];
  /** First slot neither fired nor skipped; null when the schedule has no more slots. */
  nextRunEpoch: number | null;
  /** True when due slots were left for another call (maxPerTick reached). */
  remaining: boolean;
}

function resolveOptions(options: number | DueSlotsOptions): { maxPerTick: number; lookaheadSeconds: number } {
  const { maxPerTick = DEFAULT_MAX_PER_TICK, lookaheadSeconds = 0 } =
    typeof options === 'number' ? { maxPerTick: options } : options;
  if (!Number.isInteger(maxPerTick) || maxPerTick < 1) throw new RangeError('maxPerTick must be an integer >= 1');
  if (!Number.isInteger(lookaheadSeconds) || lookaheadSeconds < 0) {
    throw new RangeError('lookaheadSeconds must be an integer >= 0');
  }
  return { maxPerTick, lookaheadSeconds };
}

/**
 * @param nextRunEpoch the stored next_run_epoch: the first slot not yet fired (null: nothing left).
 * @param options maxPerTick as a number, or {maxPerTick, lookaheadSeconds}.
 * @throws InvalidScheduleTimingError for an invalid schedule.
 */
export function dueSlots(
  schedule: ScheduleTiming,
  nextRunEpoch: number | null,
  nowEpoch: number,
  options: number | DueSlotsOptions = {},
): DueSlots {
  const { maxPerTick, lookaheadSeconds } = resolveOptions(options);
  if (nextRunEpoch === null) return { fire: [], nextRunEpoch: null, remaining: false };
  const compiled = compileSchedule(schedule);
  const now = Math.floor(nowEpoch);
  const horizon = now + lookaheadSeconds;
  // Slots >= nextRunEpoch are "strictly after" the second before it.
  let cursor = Math.ceil(nextRunEpoch) - 1;
  const fire: number[] = [];

  if (compiled.catchupPolicy === 'none') {
    const latestLate = lastSlotOf(compiled, now);
    if (latestLate !== null && latestLate > cursor) {
      fire.push(latestLate);
      cursor = latestLate;
    }
    // Whatever was late and not fired is skipped: carry on from now.
    cursor = Math.max(cursor, now);
  }

  let next = nextSlotOf(compiled, cursor);
  while (next !== null && next <= horizon && fire.length < maxPerTick) {
    fire.push(next);
    next = nextSlotOf(compiled, next);
  }
  return { fire, nextRunEpoch: next, remaining: next !== null && next <= horizon };
}
