// A Schedule as the scheduling code sees it: the seed fields (data-model.txt) plus Dagy's
// additions (target, bookkeeping, the evaluator's lease). No key or index attribute appears here:
// schedule-repository.ts is the only code that knows them.
import type { JsonObject } from '../engine';
import type { CatchupPolicy, ScheduleMode, ScheduleTiming } from './slots';

export interface ScheduleRecord {
  org_id: string;
  schedule_id: string;
  /** The flow the runs execute (for a deployment target: the deployment's flow). */
  flow_name: string;
  /** Set when the schedule targets a flow version directly; null for a deployment target. */
  flow_version: string | null;
  /** Set when the schedule targets a deployment (its flow version and defaults apply). */
  deployment_name: string | null;
  mode: ScheduleMode;
  enabled: boolean;
  cron_expression: string | null;
  interval_seconds: number | null;
  timezone: string;
  catchup_policy: CatchupPolicy;
  /** Default parameters of the runs it starts. */
  parameters: JsonObject;
  start_at: string | null;
  end_at: string | null;
  /** First slot not yet fired (epoch seconds); null when the schedule has nothing left to fire. */
  next_run_epoch: number | null;
  next_run_at: string | null;
  /** When the evaluator last started a run for this schedule. */
  last_triggered_at: string | null;
  /** The slot (UTC ISO) of the last run started. */
  last_slot_at: string | null;
  /** A slot was skipped (paused deployment): when, which slot, why. */
  last_skipped_at: string | null;
  last_skipped_slot_at: string | null;
  last_skip_reason: string | null;
  /** A slot's run could not be started (e.g. its parameters no longer fit the flow). */
  last_error: string | null;
  last_error_at: string | null;
  /** 'deployment' for the schedule a deployment's `schedule` field keeps in step (id dep-<name>). */
  managed_by: 'deployment' | null;
  created_at: string;
  updated_at: string;
  /** Bumped by every change made through the API (optimistic concurrency, ETag). */
  version: number;
}

/** The evaluator's claim on a schedule while it starts runs (absent when nobody holds it). */
export interface ScheduleLease {
  token: string;
  /** After this second another evaluator may take the schedule over (crash recovery). */
  expires_epoch: number;
  /** The holder fires every slot up to this second. */
  horizon_epoch: number;
}

export interface StoredSchedule {
  schedule: ScheduleRecord;
  lease: ScheduleLease | null;
}

export function timingOf(s: ScheduleRecord): ScheduleTiming {
  return {
    mode: s.mode,
    cron_expression: s.cron_expression,
    interval_seconds: s.interval_seconds,
    timezone: s.timezone,
    catchup_policy: s.catchup_policy,
    start_at: s.start_at,
    end_at: s.end_at,
  };
}

/** The schedule as the API shows it (every field, snake_case). */
export function scheduleView(s: ScheduleRecord): Record<string, unknown> {
  return { ...s };
}
