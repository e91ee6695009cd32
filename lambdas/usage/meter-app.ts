import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { meterEvent, type BusEvent, type MeterResult } from './meter';
import { UsageRepository } from './usage-repository';

/**
 * The usage-meter function (EventBridge rules usage-run-status and usage-task-attempts on the Dagy
 * bus). EventBridge delivers at least once and retries failures: every event is counted once by
 * its deterministic event id.
 */
export const createFunction: FunctionFactory<BusEvent, MeterResult> = (env, deps) => {
  const runtime = createRuntime('usage-meter', env, deps);
  const usage = new UsageRepository({
    ddb: runtime.aws.ddb,
    eventsTable: runtime.config.table('UsageEvent'),
    aggregatesTable: runtime.config.table('UsageAggregate'),
    clock: runtime.clock,
  });
  return (event) => meterEvent({ usage, logger: runtime.logger }, event);
};
