import { EMITTED_EVENTS } from '../catalogue/events';
import type { RunStatusChangedDetail } from '../execution/run-events';
import { RunRepository } from '../execution/run-repository';
import { TaskRunRepository } from '../execution/task-run-repository';
import { DeploymentRepository } from '../flows/deployment-repository';
import { FlowRepository } from '../flows/flow-repository';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { budgetStatusFromRuntime } from '../usage/budget';
import { AlertDispatcher, type DispatchReport } from './dispatcher';
import { FiringRepository } from './firing-repository';
import { alertDeps } from './runtime-deps';

/** What EventBridge hands the dispatcher: a "Run Status Changed" event, or the minute tick. */
export interface DispatcherEvent {
  source?: string;
  'detail-type'?: string;
  detail?: unknown;
}

/**
 * The alert-dispatcher function: the run-status-alerts rule (finished runs) and the
 * alert-sla-tick rule (every minute: SLA and budget_threshold rules) of lambdas/catalogue/events.ts.
 */
export const createDispatcherFunction: FunctionFactory<DispatcherEvent, DispatchReport> = (env, deps) => {
  const runtime = createRuntime('alert-dispatcher', env, deps);
  const { ddb } = runtime.aws;
  const shared = alertDeps(runtime, env);
  const dispatcher = new AlertDispatcher({
    rules: shared.rules,
    firings: new FiringRepository(ddb, runtime.config.table('AlertRule')),
    channels: shared.channels,
    notifier: shared.notifier,
    runs: new RunRepository({ ddb, tableName: runtime.config.table('Run'), clock: runtime.clock }),
    taskRuns: new TaskRunRepository({ ddb, tableName: runtime.config.table('TaskRun'), clock: runtime.clock }),
    deployments: new DeploymentRepository(ddb, runtime.config.table('Deployment')),
    flows: new FlowRepository(ddb, runtime.config.table('Flow')),
    budgetStatus: budgetStatusFromRuntime(runtime),
    clock: runtime.clock,
    logger: runtime.logger,
  });
  return async (event) => {
    const run = EMITTED_EVENTS.runStatusChanged;
    if (event.source === run.source && event['detail-type'] === run.detailType) return dispatcher.onRunStatusChanged(event.detail as RunStatusChangedDetail);
    // Anything else is the schedule rule's tick (source aws.events, detail-type Scheduled Event).
    return dispatcher.tick();
  };
};
