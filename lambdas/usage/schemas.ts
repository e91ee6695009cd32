import * as z from 'zod';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { USAGE_EVENT_TYPES } from './usage-repository';
import { PERIOD_PATTERN } from './period';

/** Validation schemas of the usage domain's operations (also the OpenAPI source). */

const period = z.string().regex(PERIOD_PATTERN, 'must be a month as YYYY-MM (e.g. 2026-11)');

export const getUsageQuery = z.object({ period: period.optional() }).strict();

export const listUsageEventsQuery = z
  .object({
    period: period.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

const usageView = z.object({
  period: z.string(),
  /**
   * Totals of the period by metric: runs_started, runs_finished, runs_succeeded, runs_failed,
   * runs_cancelled, task_attempts.<executor>, task_seconds.<executor>, artifact_bytes, cost_usd.
   */
  metrics: z.record(z.string(), z.number()),
  /** The modelled AWS cost of the runs that ended in the period (USD). */
  cost_usd: z.number(),
  /** The organization's monthly budget (USD), when its subscription sets one. */
  monthly_budget_usd: z.number().nullable(),
});

const usageEventView = z.object({
  event_id: z.string(),
  event_time: z.string(),
  period: z.string(),
  event_type: z.enum(USAGE_EVENT_TYPES),
  resource_type: z.enum(['run', 'task_run', 'flow']),
  resource_id: z.string(),
  metrics: z.record(z.string(), z.number()),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
});

export const USAGE_SCHEMAS: OperationSchemas = {
  getUsage: { query: getUsageQuery, response: { status: 200, body: usageView } },
  listUsageEvents: {
    query: listUsageEventsQuery,
    response: { status: 200, body: z.object({ items: z.array(usageEventView), next_cursor: z.string().nullable() }) },
  },
};
