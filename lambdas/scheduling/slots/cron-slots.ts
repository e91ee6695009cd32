// Cron slots as instants: walks the wall-clock calendar and maps each wall time through the DST
// policy (wall-time-resolution.ts). The mapping is not monotonic across a fall-back transition
// (the second copy of a repeated hour fires after later wall times), so each walk starts and stops
// with a margin of wall time that covers the offsets in force just around the instants involved.
//
// Only a fall-back transition within SHIFT_BOUND of an instant can make its margin non-zero
// (spring-forward gaps map forward in order). The largest DST shift in tzdata is 2 h
// (Antarctica/Troll); SHIFT_BOUND leaves room. Away from transitions a lookup costs two walls.
import type { CronCalendar } from './cron-calendar';
import { offsetSecondsAt } from './time-zone';
import { resolveWallTime } from './wall-time-resolution';

const SHIFT_BOUND = 3 * 3600;

/** The instants a matching wall time fires at, per the DST policy. */
function instantsOfWall(calendar: CronCalendar, timeZone: string, wall: number): number[] {
  const r = resolveWallTime(timeZone, wall);
  switch (r.kind) {
    case 'unique':
      return [r.instant];
    case 'skipped':
      return [r.transition];
    case 'repeated':
      return calendar.everyHour ? [r.earlier, r.later] : [r.earlier];
  }
}

/** First cron instant strictly after the whole second `after`, or null when the calendar ends. */
export function nextCronInstant(calendar: CronCalendar, timeZone: string, after: number): number | null {
  // A slot t > after fires from a wall time > after + (offset at after, or lower if a fall back
  // follows shortly): the second copy of a repeated hour has a wall time below its instant's peers.
  const low = Math.min(offsetSecondsAt(timeZone, after), offsetSecondsAt(timeZone, after + SHIFT_BOUND));
  let best: number | null = null;
  let bestWallLimit = 0;
  for (const wall of calendar.wallsAfter(after + low)) {
    for (const t of instantsOfWall(calendar, timeZone, wall)) {
      if (t > after && (best === null || t < best)) {
        best = t;
        bestWallLimit =
          best + Math.max(offsetSecondsAt(timeZone, best), offsetSecondsAt(timeZone, best - SHIFT_BOUND));
      }
    }
    // Later wall times (> wall) past this limit fire after best: only an earlier copy of a
    // repeated hour, in the higher summer offset, could come before it.
    if (best !== null && wall >= bestWallLimit) break;
  }
  return best;
}

/** Last cron instant at or before the whole second `atOrBefore`, or null. Mirror of nextCronInstant. */
export function lastCronInstant(calendar: CronCalendar, timeZone: string, atOrBefore: number): number | null {
  const high = Math.max(
    offsetSecondsAt(timeZone, atOrBefore),
    offsetSecondsAt(timeZone, atOrBefore - SHIFT_BOUND),
  );
  let best: number | null = null;
  let bestWallLimit = 0;
  for (const wall of calendar.wallsBefore(atOrBefore + high + 1)) {
    for (const t of instantsOfWall(calendar, timeZone, wall)) {
      if (t <= atOrBefore && (best === null || t > best)) {
        best = t;
        bestWallLimit =
          best + Math.min(offsetSecondsAt(timeZone, best), offsetSecondsAt(timeZone, best + SHIFT_BOUND));
      }
    }
    if (best !== null && wall <= bestWallLimit) break;
  }
  return best;
}
