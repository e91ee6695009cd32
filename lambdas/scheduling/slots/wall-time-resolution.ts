// Maps a local wall-clock time to real instants in a zone. This is where the DST policy lives
// (see the header of next-slot.ts); cron-parser only supplies the wall times.
import { offsetSecondsAt, wallSecondsAt } from './time-zone';

const DAY = 86_400;

export type WallTimeResolution =
  /** The wall time happens exactly once. */
  | { kind: 'unique'; instant: number }
  /** Fall back: the wall time happens twice (earlier is in the old, larger offset). */
  | { kind: 'repeated'; earlier: number; later: number }
  /** Spring forward: the wall time never happens; `transition` is the first instant after the gap. */
  | { kind: 'skipped'; transition: number };

/**
 * Resolves `wall` (seconds "as if the wall clock were UTC", minute-aligned from cron) in `timeZone`.
 * The offsets a day either side bracket any transition near the wall time; tzdata has no zone with
 * two transitions within 48 h.
 */
export function resolveWallTime(timeZone: string, wall: number): WallTimeResolution {
  const before = offsetSecondsAt(timeZone, wall - DAY);
  const after = offsetSecondsAt(timeZone, wall + DAY);
  const matches = [...new Set([wall - before, wall - after])]
    .filter((t) => wallSecondsAt(timeZone, t) === wall)
    .sort((a, b) => a - b);
  if (matches.length === 2) return { kind: 'repeated', earlier: matches[0]!, later: matches[1]! };
  if (matches.length === 1) return { kind: 'unique', instant: matches[0]! };
  if (after <= before) {
    // Unreachable with current tzdata (no gap without a forward shift); treat as plain time.
    return { kind: 'unique', instant: wall - before };
  }
  return { kind: 'skipped', transition: firstInstantWithWallAfter(timeZone, wall, wall - after, wall - before) };
}

/**
 * Smallest instant in (lo, hi] whose wall clock is later than `wall`, where wall(lo) < wall < wall(hi):
 * the moment the clock jumps over the gap. Binary search on whole seconds (about 12 steps per hour of gap).
 */
function firstInstantWithWallAfter(timeZone: string, wall: number, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallSecondsAt(timeZone, mid) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
