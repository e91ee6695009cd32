import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PaymentRequiredError } from '../shared/errors';
import { effectiveLimits, type LimitedResource } from './plans';
import { SubscriptionRepository } from './subscription-repository';

/**
 * The plan's caps on members, schedules and sensors, checked before one more is added: one call
 * (`assertRoomFor`) that the add path of each resource makes, with its own way of counting.
 * Two concurrent adds may both pass the last free place (the count is read, not reserved); these
 * are rare administrative writes, unlike run starts, whose quota is an atomic counter.
 */
export class PlanLimitCheck {
  constructor(private readonly subscriptions: SubscriptionRepository) {}

  /** 402 plan_limit_exceeded when the org already has as many `resource` as its plan allows. */
  async assertRoomFor(orgId: string, resource: LimitedResource, count: () => Promise<number>): Promise<void> {
    const subscription = await this.subscriptions.get(orgId);
    const limit = effectiveLimits(subscription)[resource];
    if (limit === null) return;
    const current = await count();
    if (current >= limit) {
      throw new PaymentRequiredError(
        `the ${subscription.plan} plan${subscription.status === 'cancelled' ? ' (cancelled: free limits)' : ''} allows ${limit} ${resource}; the organization has ${current}`,
        'plan_limit_exceeded',
        [{ path: resource, message: `limit ${limit} reached` }],
      );
    }
  }
}

/** The check of a function bound to the Subscription table (read). */
export function createPlanLimitCheck(ddb: DynamoDBDocumentClient, subscriptionTable: string): PlanLimitCheck {
  return new PlanLimitCheck(new SubscriptionRepository(ddb, subscriptionTable));
}
