import * as z from 'zod';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { PLAN_NAMES, SUBSCRIPTION_STATUSES } from './plans';

/** Largest monthly budget accepted (a typo guard, not a business rule). */
export const MAX_MONTHLY_BUDGET_USD = 10_000_000;

export const putSubscriptionBody = z.strictObject({
  plan: z.enum(PLAN_NAMES),
  /** Omitted: the current status stays. */
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  /** Omitted: the current budget stays; null removes it. */
  monthly_budget_usd: z.number().min(0).max(MAX_MONTHLY_BUDGET_USD).nullable().optional(),
});
export type PutSubscriptionBody = z.output<typeof putSubscriptionBody>;

const limitsSchema = z.object({
  runs_per_month: z.int().nullable(),
  concurrent_runs: z.int(),
  members: z.int().nullable(),
  schedules: z.int().nullable(),
  sensors: z.int().nullable(),
});

export const subscriptionView = z.object({
  org_id: z.string(),
  plan: z.enum(PLAN_NAMES),
  status: z.enum(SUBSCRIPTION_STATUSES),
  past_due_since: z.string().nullable(),
  /** When a past_due subscription stops admitting runs (402 subscription_past_due). */
  grace_period_ends_at: z.string().nullable(),
  monthly_budget_usd: z.number().nullable(),
  /** The limits in force (a cancelled subscription has the free plan's). */
  limits: limitsSchema,
  usage: z.object({ period: z.string(), runs_admitted: z.int(), active_runs: z.int() }),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});

/** Validation schemas of the billing domain's operations (also the OpenAPI source). */
export const BILLING_SCHEMAS: OperationSchemas = {
  getSubscription: { response: { status: 200, body: subscriptionView } },
  putSubscription: { body: putSubscriptionBody, response: { status: 200, body: subscriptionView } },
};
