import { SubscriptionRepository } from '../billing/subscription-repository';
import { ENV } from '../catalogue/environment';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { sweepLeases, type LeaseSweepReport } from './lease-sweep';
import { createRunEventPublisher } from './run-events';
import { RunRepository } from './run-repository';
import { runQueueFromRuntime } from './run-starter';

/** The lease-sweeper function (EventBridge rule lease-sweeper-tick, every minute). */
export const createLeaseSweeperFunction: FunctionFactory<unknown, LeaseSweepReport> = (env, deps) => {
  const runtime = createRuntime('lease-sweeper', env, deps);
  const { aws, config, clock, logger } = runtime;
  // Runs only (no task runs): the sweeper reads runs and starts waiting ones.
  const runs = new RunRepository({ ddb: aws.ddb, tableName: config.table('Run'), clock });
  const events = createRunEventPublisher({ events: aws.events, busName: config.required(ENV.eventBusName), clock, logger });
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
