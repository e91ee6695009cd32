import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { realSleep } from '../engine';
import { isoNow, systemClock, type Clock } from '../shared/clock';
import { ConcurrentChangeError, type TxOp } from '../shared/dynamo/transact';
import { PaymentRequiredError } from '../shared/errors';
import { LimitGuards } from './limit-guard';
import { effectiveLimits, type LimitedResource } from './plans';
import { SubscriptionRepository, type SubscriptionRecord } from './subscription-repository';

/** Adds that found the guard moved by another add try again, at most this often (then 409 concurrent_change). */
const MAX_ATTEMPTS = 40;
/** The longest wait between two tries (random below it: racing adds spread out). */
const MAX_BACKOFF_MS = 100;

/**
 * The plan's caps on members, schedules and sensors. `addWithin` is the one way to add a capped
 * resource: it counts the organization's items and hands the caller the guard write to put in
 * the same transaction as the new item (limit-guard.ts), so concurrent adds can never pass the
 * cap together; `assertRoomFor` is an early check only (an invitation, before its acceptance adds).
 */
export class PlanLimitCheck {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly guards: LimitGuards,
    private readonly clock: Clock = systemClock,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {}

  /** 402 plan_limit_exceeded when the org already has as many `resource` as its plan allows (nothing reserved). */
  async assertRoomFor(orgId: string, resource: LimitedResource, count: () => Promise<number>): Promise<void> {
    const subscription = await this.subscriptions.get(orgId);
    const limit = effectiveLimits(subscription)[resource];
    if (limit !== null) refuseAtLimit(subscription, resource, limit, await count());
  }

  /**
   * Adds one `resource` within the plan's cap: `write` gets the writes to add to its transaction
   * (none when the plan has no cap) and is called again, after a fresh count, when another add
   * committed in between (its ConcurrentChangeError). 402 plan_limit_exceeded at the cap,
   * nothing written.
   */
  async addWithin<T>(orgId: string, resource: LimitedResource, count: () => Promise<number>, write: (limitOps: TxOp[]) => Promise<T>): Promise<T> {
    const subscription = await this.subscriptions.get(orgId);
    const limit = effectiveLimits(subscription)[resource];
    if (limit === null) return write([]);
    for (let attempt = 1; ; attempt++) {
      // The version first: an add that commits after this read moves it, so our write fails and recounts.
      const version = await this.guards.version(orgId, resource);
      refuseAtLimit(subscription, resource, limit, await count());
      try {
        return await write([this.guards.advance(orgId, resource, version, isoNow(this.clock))]);
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError) || attempt >= MAX_ATTEMPTS) throw error;
        await this.sleep(Math.floor(Math.random() * Math.min(MAX_BACKOFF_MS, 5 * 2 ** attempt)));
      }
    }
  }
}

function refuseAtLimit(subscription: SubscriptionRecord, resource: LimitedResource, limit: number, current: number): void {
  if (current < limit) return;
  throw new PaymentRequiredError(
    `the ${subscription.plan} plan${subscription.status === 'cancelled' ? ' (cancelled: free limits)' : ''} allows ${limit} ${resource}; the organization has ${current}`,
    'plan_limit_exceeded',
    [{ path: resource, message: `limit ${limit} reached` }],
  );
}

/** The check of a function bound to the Subscription table (read) and the UsageAggregate table (the guards). */
export function createPlanLimitCheck(ddb: DynamoDBDocumentClient, tables: { subscription: string; usageAggregate: string }, clock: Clock): PlanLimitCheck {
  return new PlanLimitCheck(new SubscriptionRepository(ddb, tables.subscription), new LimitGuards(ddb, tables.usageAggregate), clock);
}
