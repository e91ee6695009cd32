import * as z from 'zod';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { CATCHUP_POLICIES, SCHEDULE_MODES } from './slots';

/** Validation schemas of the scheduling domain's operations (also the OpenAPI source). */

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const NAME_MESSAGE = 'must be 1-128 characters of A-Z a-z 0-9 _ . -';
/** Ids starting with this prefix belong to the schedules deployments keep in step. */
export const DEPLOYMENT_SCHEDULE_PREFIX = 'dep-';

const name = () => z.string().regex(NAME, NAME_MESSAGE);
export const scheduleIdSchema = name().refine((id) => !id.startsWith(DEPLOYMENT_SCHEDULE_PREFIX), {
  message: `ids starting with "${DEPLOYMENT_SCHEDULE_PREFIX}" are reserved for deployment schedules`,
});
const parameters = z.record(z.string(), z.unknown());
const timestamp = z.string().max(64);

/** Timing fields: their meaning is checked by scheduleTimingIssues (slots/), their types here. */
const timingFields = {
  mode: z.enum(SCHEDULE_MODES),
  cron_expression: z.string().max(256).nullable(),
  interval_seconds: z.number().int().nullable(),
  timezone: z.string().max(64),
  catchup_policy: z.enum(CATCHUP_POLICIES),
  start_at: timestamp.nullable(),
  end_at: timestamp.nullable(),
};

export const createScheduleBody = z
  .object({
    schedule_id: scheduleIdSchema.optional(),
    deployment_name: name().optional(),
    flow_name: name().optional(),
    flow_version: name().optional(),
    enabled: z.boolean().optional(),
    parameters: parameters.optional(),
    mode: timingFields.mode,
    cron_expression: timingFields.cron_expression.optional(),
    interval_seconds: timingFields.interval_seconds.optional(),
    timezone: timingFields.timezone.optional(),
    catchup_policy: timingFields.catchup_policy.optional(),
    start_at: timingFields.start_at.optional(),
    end_at: timingFields.end_at.optional(),
  })
  .strict();
export type CreateScheduleInput = z.output<typeof createScheduleBody>;

export const updateScheduleBody = z
  .object({
    deployment_name: name().nullable().optional(),
    flow_name: name().optional(),
    flow_version: name().nullable().optional(),
    enabled: z.boolean().optional(),
    parameters: parameters.optional(),
    mode: timingFields.mode.optional(),
    cron_expression: timingFields.cron_expression.optional(),
    interval_seconds: timingFields.interval_seconds.optional(),
    timezone: timingFields.timezone.optional(),
    catchup_policy: timingFields.catchup_policy.optional(),
    start_at: timingFields.start_at.optional(),
    end_at: timingFields.end_at.optional(),
    /** The version the change is based on (or send If-Match). */
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type UpdateScheduleInput = z.output<typeof updateScheduleBody>;

export const listSchedulesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

export const previewQuery = z.object({ count: z.coerce.number().int().min(1).max(100).default(10) }).strict();

const scheduleView = z.object({
  org_id: z.string(),
  schedule_id: z.string(),
  flow_name: z.string(),
  flow_version: z.string().nullable(),
  deployment_name: z.string().nullable(),
  mode: z.enum(SCHEDULE_MODES),
  enabled: z.boolean(),
  cron_expression: z.string().nullable(),
  interval_seconds: z.number().nullable(),
  timezone: z.string(),
  catchup_policy: z.enum(CATCHUP_POLICIES),
  parameters,
  start_at: z.string().nullable(),
  end_at: z.string().nullable(),
  next_run_epoch: z.number().nullable(),
  next_run_at: z.string().nullable(),
  last_triggered_at: z.string().nullable(),
  last_slot_at: z.string().nullable(),
  last_skipped_at: z.string().nullable(),
  last_skipped_slot_at: z.string().nullable(),
  last_skip_reason: z.string().nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  managed_by: z.enum(['deployment']).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
});

const previewView = z.object({
  schedule_id: z.string(),
  timezone: z.string(),
  slots: z.array(z.object({ epoch: z.number(), utc: z.string(), local: z.string() })),
});

export const SCHEDULING_SCHEMAS: OperationSchemas = {
  listSchedules: { query: listSchedulesQuery, response: { status: 200, body: z.object({ items: z.array(scheduleView), next_cursor: z.string().nullable() }) } },
  createSchedule: { body: createScheduleBody, response: { status: 201, body: scheduleView } },
  getSchedule: { response: { status: 200, body: scheduleView } },
  updateSchedule: { body: updateScheduleBody, response: { status: 200, body: scheduleView } },
  deleteSchedule: { response: { status: 204 } },
  previewSchedule: { query: previewQuery, response: { status: 200, body: previewView } },
};
