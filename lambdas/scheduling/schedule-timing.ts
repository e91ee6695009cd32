// Where a schedule's next slot starts when its definition is set (create, edit, re-enable).
import { epochToUtcIso, nextSlotAfter, parseIsoTimestampMs } from './slots';
import type { ScheduleTiming } from './slots';
import type { ErrorDetail } from '../shared/errors';

/** A one_time schedule whose start_at is at most this far in the past still fires (clock skew). */
export const ONE_TIME_GRACE_SECONDS = 60;

export interface InitialSlot {
  next_run_epoch: number | null;
  next_run_at: string | null;
}

/**
 * The first slot at or after now (past slots of a new or edited schedule are not caught up).
 * A one_time schedule set up to fire "now" (start_at a few seconds ago) fires at start_at.
 */
export function initialSlot(timing: ScheduleTiming, nowEpoch: number): InitialSlot {
  let next: number | null;
  if (timing.mode === 'one_time') {
    const startMs = parseIsoTimestampMs(timing.start_at ?? '');
    const start = startMs === null ? null : Math.ceil(startMs / 1000);
    next = start !== null && start >= nowEpoch - ONE_TIME_GRACE_SECONDS ? start : null;
  } else {
    next = nextSlotAfter(timing, nowEpoch - 1);
  }
  return { next_run_epoch: next, next_run_at: next === null ? null : epochToUtcIso(next) };
}

/** Why an enabled schedule with this timing would never fire (empty when it will, or is manual). */
export function neverFiresIssues(timing: ScheduleTiming, slot: InitialSlot): ErrorDetail[] {
  if (timing.mode === 'manual' || slot.next_run_epoch !== null) return [];
  if (timing.mode === 'one_time') return [{ path: 'start_at', message: 'is in the past: a one_time schedule would never fire' }];
  return [{ path: 'end_at', message: 'is in the past: the schedule would never fire' }];
}
