// The plans of Dagy and their limits: the one place they are defined. The subscription API, run
// admission (monthly quota, concurrency), member adds and schedule/sensor creation all read them here.

export const PLAN_NAMES = ['free', 'team', 'enterprise'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export function isPlanName(value: unknown): value is PlanName {
  return typeof value === 'string' && (PLAN_NAMES as readonly string[]).includes(value);
}

/** active: paid and current; past_due: a payment failed (runs blocked after the grace period); cancelled: back to free. */
export const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'cancelled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Counted resources: what a plan caps. `null` = no limit. */
export interface PlanLimits {
  /** Runs admitted per calendar month (UTC), manual, scheduled, sensor and retries alike. */
  runs_per_month: number | null;
  /** Runs holding an execution slot at once; more wait QUEUED and start in order. */
  concurrent_runs: number;
  members: number | null;
  schedules: number | null;
  sensors: number | null;
}

export const PLANS: Readonly<Record<PlanName, PlanLimits>> = {
  free: { runs_per_month: 2_000, concurrent_runs: 5, members: 10, schedules: 20, sensors: 20 },
  team: { runs_per_month: 100_000, concurrent_runs: 50, members: 100, schedules: 500, sensors: 500 },
  enterprise: { runs_per_month: null, concurrent_runs: 200, members: null, schedules: null, sensors: null },
};

/** The countable resources a plan caps besides runs (member adds, schedule and sensor creation). */
export type LimitedResource = 'members' | 'schedules' | 'sensors';

/** How long a past_due subscription keeps starting runs before new runs are refused (402 subscription_past_due). */
export const PAST_DUE_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * How long a run's execution slot is held without being checked. The lease sweep looks at expired
 * leases: a run whose execution still runs gets a new lease, any other gives its slot back.
 */
export const RUN_LEASE_SECONDS = 15 * 60;

/** Largest per-deployment max_concurrent_runs (a deployment can only lower its org's limit). */
export const MAX_DEPLOYMENT_CONCURRENCY = 1_000;

/** The limits that apply: a cancelled subscription falls back to the free plan. */
export function effectiveLimits(subscription: { plan: PlanName; status: SubscriptionStatus }): PlanLimits {
  return PLANS[subscription.status === 'cancelled' ? 'free' : subscription.plan];
}
