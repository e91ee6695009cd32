import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { RunQuota } from './run-quota';
import { subscriptionOperations } from './subscription-http';
import { SubscriptionRepository } from './subscription-repository';
import { SubscriptionService } from './subscription-service';

/** The billing domain's HTTP function: the organization's subscription and its plan limits. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-billing', env, deps);
  const { config, aws, clock } = runtime;
  const service = new SubscriptionService({
    ddb: aws.ddb,
    subscriptions: new SubscriptionRepository(aws.ddb, config.table('Subscription')),
    quota: new RunQuota(aws.ddb, config.table('UsageAggregate')),
    auditTable: config.table('AuditLog'),
    clock,
  });
  return createHttpHandler({ domain: 'billing', runtime, operations: subscriptionOperations(service) });
};
