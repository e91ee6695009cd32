// The timing fields of a Schedule item (data model, snake_case). Everything else on the item
// (org, flow, parameters, enabled, next_run_*) is the evaluator's business, not the time math's.

export const SCHEDULE_MODES = ['cron', 'interval', 'one_time', 'manual'] as const;
export type ScheduleMode = (typeof SCHEDULE_MODES)[number];

export const CATCHUP_POLICIES = ['none', 'all'] as const;
export type CatchupPolicy = (typeof CATCHUP_POLICIES)[number];

/** Items read from DynamoDB may carry null for absent attributes, so null is accepted everywhere. */
export interface ScheduleTiming {
  mode: ScheduleMode;
  /** 5 fields: minute hour day-of-month month day-of-week (cron mode). */
  cron_expression?: string | null;
  /** Whole seconds, >= 60 (interval mode). */
  interval_seconds?: number | null;
  /** IANA name; defaults to UTC. */
  timezone?: string | null;
  /** Defaults to 'none'. */
  catchup_policy?: CatchupPolicy | null;
  /** ISO-8601 with offset. Inclusive lower bound; the fire time of a one_time schedule; the interval anchor. */
  start_at?: string | null;
  /** ISO-8601 with offset. Inclusive upper bound. */
  end_at?: string | null;
}

/** Raw (unvalidated) input: any object whose timing fields are still of unknown type. */
export type ScheduleTimingInput = { readonly [K in keyof ScheduleTiming]?: unknown };

/** Same shape as the API error details: `{path, message}`. */
export interface TimingIssue {
  path: string;
  message: string;
}

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_CATCHUP_POLICY: CatchupPolicy = 'none';
export const MIN_INTERVAL_SECONDS = 60;
