// cron-parser used as a pure wall-clock calendar: expressions are evaluated in UTC, where no DST
// exists, and the results are read as local wall times. Its own tz mode is not used because its DST
// handling depends on where iteration started (e.g. `*/20 2 * * *` started at 03:10 EDT on a
// spring-forward day skips 03:20, and `15 1 * * *` started at 01:00 EST fires 01:15 a second time);
// a stateless evaluator needs nextSlotAfter(t) to depend on t alone.
import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';

export interface CronCalendar {
  /** Wall times (seconds "as if UTC") matching the expression, ascending, strictly after `wall`. */
  wallsAfter(wall: number): Generator<number, void, void>;
  /** Wall times matching the expression, descending, strictly before `wall`. */
  wallsBefore(wall: number): Generator<number, void, void>;
  /** The hour field matches all 24 hours (`*`, `0-23`, a step of 1): repeated hours fire in both copies. */
  everyHour: boolean;
}

/** Why a cron expression is refused, or null when it is usable. */
export function cronExpressionProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim() === '') return 'cron_expression is empty';
  if (fields.length === 6) {
    return 'a seconds field is not supported: use 5 fields (minute hour day-of-month month day-of-week)';
  }
  if (fields.length !== 5) {
    return `must have exactly 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  // cron-parser's `H` picks a random value on every parse, so slot times would not be stable.
  if (fields.some((f) => f.split(',').some((token) => /^h/i.test(token)))) {
    return 'hashed values (H) are not supported';
  }
  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate: 0 });
  } catch (err) {
    return `not a valid cron expression: ${(err as Error).message}`;
  }
  try {
    parsed.next();
  } catch {
    return 'the expression never matches a date';
  }
  return null;
}

/** Builds the calendar of a valid expression (check with cronExpressionProblem first). */
export function cronCalendar(expression: string): CronCalendar {
  const normalized = expression.trim().split(/\s+/).join(' ');
  const parsed = CronExpressionParser.parse(normalized, { tz: 'UTC', currentDate: 0 });
  // cron-parser iterators are stateful and parsing costs ~5x a reset, so walks share one parsed
  // expression and reset it to their own position before every step (walks may interleave).
  function* walk(wall: number, forward: boolean): Generator<number, void, void> {
    let position = wall;
    for (;;) {
      parsed.reset(new Date(position * 1000));
      try {
        position = (forward ? parsed.next() : parsed.prev()).getTime() / 1000;
      } catch {
        return; // cron-parser throws once it runs out of dates (far past/future).
      }
      yield position;
    }
  }
  return {
    wallsAfter: (wall) => walk(wall, true),
    wallsBefore: (wall) => walk(wall, false),
    everyHour: parsed.fields.hour.values.length === 24,
  };
}
