import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { meterBatch, type MeterBatchResult, type QueueRecord } from './meter';
import { UsageRepository } from './usage-repository';

/**
 * The usage-meter function: the rules usage-run-status and usage-task-attempts on the Dagy bus
 * deliver to its SQS queue, and it meters up to a batch of those events per invocation
 * (lambdas/catalogue/functions/usage.ts). Deliveries are at least once: every event is counted
 * once by its deterministic event id.
 */
export const createFunction: FunctionFactory<{ Records: QueueRecord[] }, MeterBatchResult> = (env, deps) => {
  const runtime = createRuntime('usage-meter', env, deps);
  const usage = new UsageRepository({
    ddb: runtime.aws.ddb,
    eventsTable: runtime.config.table('UsageEvent'),
    aggregatesTable: runtime.config.table('UsageAggregate'),
    clock: runtime.clock,
  });
  return (batch) => meterBatch({ usage, logger: runtime.logger }, batch);
};
