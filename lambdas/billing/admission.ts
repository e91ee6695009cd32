import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { PaymentRequiredError } from '../shared/errors';
import { effectiveLimits, PAST_DUE_GRACE_SECONDS, RUN_LEASE_SECONDS, type PlanLimits } from './plans';
import { periodOf, RunQuota } from './run-quota';
import { SubscriptionRepository, type LeaseOutcome, type SubscriptionRecord } from './subscription-repository';

/** What admit() counted, so that a start that creates no run after all can give it back. */
export interface AdmissionTicket {
  org_id: string;
  period: string;
  subscription: SubscriptionRecord;
  limits: PlanLimits;
}

export interface RunAdmissionDeps {
  subscriptions: SubscriptionRepository;
  quota: RunQuota;
  clock: Clock;
}

/** True once a past_due subscription's grace period is over. */
export function pastDueBeyondGrace(subscription: SubscriptionRecord, nowMs: number): boolean {
  if (subscription.status !== 'past_due') return false;
  const since = subscription.past_due_since === null ? Number.NaN : Date.parse(subscription.past_due_since);
  // A past_due subscription without a valid start of its grace period is treated as beyond it.
  return Number.isNaN(since) || nowMs - since > PAST_DUE_GRACE_SECONDS * 1000;
}

/**
 * Where every run (manual, scheduled, sensor, retry) is admitted: the subscription's standing,
 * the monthly run quota, and the execution slots (leases) that bound concurrency.
 */
export class RunAdmission {
  constructor(private readonly deps: RunAdmissionDeps) {}

  /**
   * Admits one new run or throws 402: subscription_past_due after the grace period,
   * plan_limit_exceeded when the month's quota is used up (one conditional ADD, so concurrent
   * starts cannot exceed it together). Nothing is counted when it throws.
   */
  async admit(orgId: string): Promise<AdmissionTicket> {
    const { subscriptions, quota, clock } = this.deps;
    const subscription = await subscriptions.get(orgId);
    const nowMs = clock.nowMs();
    if (pastDueBeyondGrace(subscription, nowMs)) {
      throw new PaymentRequiredError('the subscription is past due: settle it to start new runs', 'subscription_past_due');
    }
    const limits = effectiveLimits(subscription);
    const period = periodOf(nowMs);
    if (!(await quota.take(orgId, period, limits.runs_per_month, isoNow(clock)))) {
      throw new PaymentRequiredError(
        `the ${subscription.status === 'cancelled' ? 'free (subscription cancelled)' : subscription.plan} plan allows ${String(limits.runs_per_month)} runs per month, all used in ${period}`,
        'plan_limit_exceeded',
      );
    }
    return { org_id: orgId, period, subscription, limits };
  }

  /** Gives back what admit() counted (the start found an existing run or failed before creating one). */
  async undo(ticket: AdmissionTicket): Promise<void> {
    await this.deps.quota.giveBack(ticket.org_id, ticket.period);
  }

  /** The organization's current concurrent-run limit (plan, or free when cancelled). */
  async concurrencyLimit(orgId: string): Promise<number> {
    return effectiveLimits(await this.deps.subscriptions.get(orgId)).concurrent_runs;
  }

  /** Takes an execution slot for the run (idempotent per run), within the org's and the deployment's limits. */
  acquireSlot(orgId: string, runId: string, limit: number, deployment: { name: string; limit: number } | undefined): Promise<LeaseOutcome> {
    return this.deps.subscriptions.acquireLease({
      org_id: orgId,
      run_id: runId,
      limit,
      deployment,
      expires_epoch: epochSeconds(this.deps.clock) + RUN_LEASE_SECONDS,
    });
  }

  /** Gives the run's slot back; the org's concurrency limit after it, or null when the run held none. */
  async releaseSlot(orgId: string, runId: string): Promise<number | null> {
    const after = await this.deps.subscriptions.releaseLease(orgId, runId);
    return after === null ? null : effectiveLimits(after).concurrent_runs;
  }
}

/** The admission of a function bound to the Subscription and UsageAggregate tables. */
export function createRunAdmission(ddb: DynamoDBDocumentClient, tables: { subscription: string; usageAggregate: string }, clock: Clock): RunAdmission {
  return new RunAdmission({
    subscriptions: new SubscriptionRepository(ddb, tables.subscription),
    quota: new RunQuota(ddb, tables.usageAggregate),
    clock,
  });
}
