import { ENV } from '../catalogue/environment';
import type { Runtime } from '../shared/runtime';
import { costContextOf, type CostContext } from '../usage/cost-context';
import { createRunEventPublisher, type RunEventPublisher } from './run-events';
import { RunRepository } from './run-repository';
import { TaskRunRepository } from './task-run-repository';

/** The run and task run repositories and the run event publisher of one function. */
export interface RunStores {
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  events: RunEventPublisher;
  /** Sizes and region the cost ledger prices runs with (execution/run-cost.ts). */
  ledger: CostContext;
}

/**
 * Builds the stores from a function's runtime (its bound Run and TaskRun tables, and the Dagy bus
 * when the function has the events:put capability). Every execution function uses this one call.
 */
export function createRunStores(runtime: Runtime): RunStores {
  const { aws, config, clock, logger, metrics } = runtime;
  return {
    runs: new RunRepository({ ddb: aws.ddb, tableName: config.table('Run'), clock }),
    taskRuns: new TaskRunRepository({ ddb: aws.ddb, tableName: config.table('TaskRun'), clock }),
    events: createRunEventPublisher({ events: aws.events, busName: config.required(ENV.eventBusName), clock, logger, metrics }),
    ledger: costContextOf(config),
  };
}
