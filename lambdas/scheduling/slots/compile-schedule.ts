// A validated schedule reduced to numbers: bounds in whole epoch seconds and, for cron, the calendar.
// Slots are whole seconds, so start_at rounds up and end_at down (the bounds stay inclusive).
import { cronCalendar } from './cron-calendar';
import type { CronCalendar } from './cron-calendar';
import { parseIsoTimestampMs } from './iso-timestamp';
import { DEFAULT_CATCHUP_POLICY, DEFAULT_TIMEZONE } from './schedule-timing-types';
import type { CatchupPolicy, ScheduleTiming, TimingIssue } from './schedule-timing-types';
import { scheduleTimingIssues } from './validate-schedule-timing';

interface CompiledCommon {
  timezone: string;
  catchupPolicy: CatchupPolicy;
  /** Inclusive; null when unbounded. */
  startEpoch: number | null;
  /** Inclusive; null when unbounded. */
  endEpoch: number | null;
}

export type CompiledSchedule = CompiledCommon &
  (
    | { mode: 'manual' }
    | { mode: 'one_time'; fireEpoch: number }
    | { mode: 'interval'; anchorEpoch: number; intervalSeconds: number }
    | { mode: 'cron'; calendar: CronCalendar }
  );

export class InvalidScheduleTimingError extends Error {
  constructor(readonly issues: TimingIssue[]) {
    super(`invalid schedule timing: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidScheduleTimingError';
  }
}

function epochOf(text: string | null | undefined, round: (n: number) => number): number | null {
  if (text === undefined || text === null) return null;
  const ms = parseIsoTimestampMs(text);
  return ms === null ? null : round(ms / 1000);
}

// Compiling parses the cron expression twice (check, then calendar): ~1 ms. An evaluator tick
// compiles every due schedule, and many share one timing, so compiled schedules are memoized.
// Sharing is safe: a compiled schedule is immutable but for its calendar's parser, which every
// walk step resets to its own position (see cron-calendar.ts).
const COMPILED_CACHE_LIMIT = 2000;
const compiledCache = new Map<string, CompiledSchedule>();

function cacheKey(s: ScheduleTiming): string {
  return JSON.stringify([s.mode, s.cron_expression, s.interval_seconds, s.timezone, s.catchup_policy, s.start_at, s.end_at]);
}

/** @throws InvalidScheduleTimingError when scheduleTimingIssues reports anything. */
export function compileSchedule(schedule: ScheduleTiming): CompiledSchedule {
  const key = cacheKey(schedule);
  const cached = compiledCache.get(key);
  if (cached !== undefined) return cached;
  const compiled = compileUncached(schedule);
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) compiledCache.delete(compiledCache.keys().next().value as string);
  compiledCache.set(key, compiled);
  return compiled;
}

function compileUncached(schedule: ScheduleTiming): CompiledSchedule {
  const issues = scheduleTimingIssues(schedule);
  if (issues.length > 0) throw new InvalidScheduleTimingError(issues);
  const common: CompiledCommon = {
    timezone: schedule.timezone ?? DEFAULT_TIMEZONE,
    catchupPolicy: schedule.catchup_policy ?? DEFAULT_CATCHUP_POLICY,
    startEpoch: epochOf(schedule.start_at, Math.ceil),
    endEpoch: epochOf(schedule.end_at, Math.floor),
  };
  switch (schedule.mode) {
    case 'manual':
      return { ...common, mode: 'manual' };
    case 'one_time':
      return { ...common, mode: 'one_time', fireEpoch: common.startEpoch! };
    case 'interval':
      // Anchored at start_at, else at the Unix epoch (slots are multiples of the interval).
      return {
        ...common,
        mode: 'interval',
        anchorEpoch: common.startEpoch ?? 0,
        intervalSeconds: schedule.interval_seconds!,
      };
    case 'cron':
      return { ...common, mode: 'cron', calendar: cronCalendar(schedule.cron_expression!) };
  }
}
