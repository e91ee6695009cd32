// A brute-force reference for cron slots, written independently of the implementation: it walks
// every minute, reads the zone offset from Intl's `longOffset` name, and applies the DST policy
// literally (see next-slot.ts). Slow, for tests only.
import { CronExpressionParser } from 'cron-parser';

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetAt(timeZone: string, epochSeconds: number): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, f);
  }
  const name = f.formatToParts(new Date(epochSeconds * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  if (m[1] === undefined) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/**
 * Cron slots in (fromExclusive, toInclusive] by checking each whole minute.
 * `everyHour` says whether the expression fires in both copies of a repeated hour.
 */
export function bruteForceCronSlots(
  expression: string,
  timeZone: string,
  everyHour: boolean,
  fromExclusive: number,
  toInclusive: number,
): number[] {
  const cron = CronExpressionParser.parse(expression, { tz: 'UTC' });
  const matches = (wall: number): boolean => cron.includesDate(new Date(wall * 1000));
  const wallAt = (t: number): number => t + offsetAt(timeZone, t);
  const slots: number[] = [];
  for (let t = Math.floor(fromExclusive / 60) * 60 + 60; t <= toInclusive; t += 60) {
    if (t <= fromExclusive) continue;
    const wall = wallAt(t);
    // Second copy of a repeated wall time: the same wall clock was shown `drop` seconds earlier.
    const drop = offsetAt(timeZone, t - 3 * 3600) - offsetAt(timeZone, t);
    const secondCopy = drop > 0 && wallAt(t - drop) === wall;
    let slot = matches(wall) && (everyHour || !secondCopy);
    // The clock just jumped forward: any skipped wall time that matches fires now.
    const previousWall = wallAt(t - 60);
    for (let skipped = previousWall + 60; !slot && skipped < wall; skipped += 60) slot = matches(skipped);
    if (slot) slots.push(t);
  }
  return slots;
}
