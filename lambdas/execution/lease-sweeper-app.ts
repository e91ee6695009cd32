import { SubscriptionRepository } from '../billing/subscription-repository';
import { ENV } from '../catalogue/environment';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { sweepLeases, type LeaseSweepReport } from './lease-sweep';
import { runQueueFromRuntime } from './run-starter';
import { createRunStores } from './run-stores';

/** The lease-sweeper function (EventBridge rule lease-sweeper-tick, every minute). */
export const createLeaseSweeperFunction: FunctionFactory<unknown, LeaseSweepReport> = (env, deps) => {
  const runtime = createRuntime('lease-sweeper', env, deps);
  const { aws, config, clock, logger } = runtime;
  const { runs, events } = createRunStores(runtime);
  const sweepDeps = {
    subscriptions: new SubscriptionRepository(aws.ddb, config.table('Subscription')),
    runs,
    sfn: aws.sfn,
    stateMachineArn: config.required(ENV.stateMachineArn),
    queue: runQueueFromRuntime(runtime, { runs, events }).queue,
    clock,
    logger,
  };
  return async () => sweepLeases(sweepDeps);
};
