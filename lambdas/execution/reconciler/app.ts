import { ENV } from '../../catalogue/environment';
import { FlowRepository } from '../../flows/flow-repository';
import { createRuntime, type FunctionFactory } from '../../shared/runtime';
import { FlowCache } from '../orchestrator/flow-cache';
import { RunObjectStore } from '../task-runner/run-object-store';
import { createRunStores } from '../run-stores';
import { runQueueFromRuntime } from '../run-starter';
import { DEFAULT_RECONCILE_OPTIONS, reconcileRuns, type ReconcileOptions, type ReconcileReport, type ReconcilerServices } from './reconcile';

/** The scheduled event (EventBridge rate(1 minute), or the local platform's timer); tests may pass options. */
export interface ReconcileEvent {
  options?: Partial<ReconcileOptions>;
}

/** The run-reconciler function: one sweep per invocation. */
export const createFunction: FunctionFactory<ReconcileEvent, ReconcileReport> = (env, deps) => {
  const runtime = createRuntime('run-reconciler', env, deps);
  const { aws, config } = runtime;
  const flowRepository = new FlowRepository(aws.ddb, config.table('Flow'));
  const stores = createRunStores(runtime);
  const services: ReconcilerServices = {
    ...stores,
    // A run the reconciler finalizes gives its execution slot back, as Finalize does.
    queue: runQueueFromRuntime(runtime, stores).queue,
    objects: new RunObjectStore(aws.s3, config.bucket('artifacts')),
    flows: new FlowCache(flowRepository),
    flowVersions: flowRepository,
    get sfn() {
      return aws.sfn;
    },
    stateMachineArn: config.required(ENV.stateMachineArn),
    clock: runtime.clock,
    logger: runtime.logger,
    metrics: runtime.metrics,
  };
  return (event) => {
    // Only numbers from a test's event; EventBridge's scheduled event carries no options.
    const o = event?.options ?? {};
    const options: ReconcileOptions = {
      staleAfterMs: typeof o.staleAfterMs === 'number' && o.staleAfterMs >= 0 ? o.staleAfterMs : DEFAULT_RECONCILE_OPTIONS.staleAfterMs,
      maxPerShard: typeof o.maxPerShard === 'number' && o.maxPerShard > 0 ? o.maxPerShard : DEFAULT_RECONCILE_OPTIONS.maxPerShard,
    };
    return reconcileRuns(services, options);
  };
};
