// Semantic checks of a schedule's timing fields, reported like API error details ({path, message}).
// Runs on raw input (field types unknown), so a request body can be checked before any parsing.
import { cronExpressionProblem } from './cron-calendar';
import { parseIsoTimestampMs } from './iso-timestamp';
import {
  CATCHUP_POLICIES,
  MIN_INTERVAL_SECONDS,
  SCHEDULE_MODES,
} from './schedule-timing-types';
import type { ScheduleTimingInput, TimingIssue } from './schedule-timing-types';
import { isValidTimeZone } from './time-zone';

const TIMESTAMP_HINT = 'must be an ISO-8601 timestamp with Z or an offset, e.g. 2026-03-08T02:30:00Z';

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/**
 * Every timing problem of `input`; empty when the schedule can be compiled. `pathPrefix` is
 * prepended with a dot (`schedule` gives `schedule.cron_expression`).
 *
 * Notes: a one_time schedule fires at `start_at` (there is no separate fire-time field);
 * `timezone` defaults to UTC and `catchup_policy` to `none`; fields of other modes are ignored.
 */
export function scheduleTimingIssues(input: ScheduleTimingInput, pathPrefix = ''): TimingIssue[] {
  const issues: TimingIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ path: pathPrefix ? `${pathPrefix}.${field}` : field, message });
  };
  const mode = oneOf(SCHEDULE_MODES, input.mode) ? input.mode : null;
  if (mode === null) add('mode', `must be one of ${SCHEDULE_MODES.join(', ')}`);

  if (isPresent(input.timezone)) {
    if (typeof input.timezone !== 'string' || !isValidTimeZone(input.timezone)) {
      add('timezone', 'must be an IANA time zone name, e.g. America/New_York');
    }
  }

  const catchup = input.catchup_policy;
  if (isPresent(catchup) && !oneOf(CATCHUP_POLICIES, catchup)) {
    add('catchup_policy', `must be one of ${CATCHUP_POLICIES.join(', ')}`);
  }

  const startMs = checkTimestamp(input.start_at, 'start_at', add);
  const endMs = checkTimestamp(input.end_at, 'end_at', add);
  if (startMs !== null && endMs !== null && endMs <= startMs) add('end_at', 'must be after start_at');

  if (mode === 'cron') {
    if (!isPresent(input.cron_expression)) {
      add('cron_expression', 'is required for cron schedules');
    } else if (typeof input.cron_expression !== 'string') {
      add('cron_expression', 'must be a string');
    } else {
      const problem = cronExpressionProblem(input.cron_expression);
      if (problem !== null) add('cron_expression', problem);
    }
  }

  if (mode === 'interval') {
    const seconds = input.interval_seconds;
    if (!isPresent(seconds)) {
      add('interval_seconds', 'is required for interval schedules');
    } else if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
      add('interval_seconds', 'must be a whole number of seconds');
    } else if (seconds < MIN_INTERVAL_SECONDS) {
      add('interval_seconds', `must be at least ${MIN_INTERVAL_SECONDS}`);
    }
  }

  if (mode === 'one_time') {
    if (!isPresent(input.start_at)) add('start_at', 'is required for one_time schedules (it is the fire time)');
    if (catchup === 'all') add('catchup_policy', "'all' does not apply to a one_time schedule (it has a single slot)");
  }
  return issues;
}

/** Epoch ms of a present, valid timestamp; null (with an issue when invalid) otherwise. */
function checkTimestamp(
  value: unknown,
  field: string,
  add: (field: string, message: string) => void,
): number | null {
  if (!isPresent(value)) return null;
  const ms = typeof value === 'string' ? parseIsoTimestampMs(value) : null;
  if (ms === null) add(field, TIMESTAMP_HINT);
  return ms;
}
