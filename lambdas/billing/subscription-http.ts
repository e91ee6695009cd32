import { auditActor } from '../shared/audit/audit-log';
import { ok } from '../shared/http/responses';
import type { Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { putSubscriptionBody } from './schemas';
import type { SubscriptionService } from './subscription-service';

/** GET|PUT /v1/subscription: anyone in the org reads it, owners change it (route permissions). */
export function subscriptionOperations(subscriptions: SubscriptionService): Record<string, Operation> {
  return {
    getSubscription: async (request) => ok(await subscriptions.get(auditActor(request).org_id)),
    putSubscription: async (request) => {
      const body = parseWith(putSubscriptionBody, request.body);
      return ok(await subscriptions.put(auditActor(request), body));
    },
  };
}
