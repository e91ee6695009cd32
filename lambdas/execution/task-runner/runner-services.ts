import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { egressPolicyOf } from '../../shared/egress';
import type { Runtime } from '../../shared/runtime';
import { FlowRepository } from '../../flows/flow-repository';
import { FlowCache } from '../orchestrator/flow-cache';
import type { RunEventPublisher } from '../run-events';
import type { RunRepository } from '../run-repository';
import { createRunStores } from '../run-stores';
import type { TaskRunRepository } from '../task-run-repository';
import { lambdaCodeExecutor } from './code-executor-client';
import { RunObjectStore } from './run-object-store';
import { secretSourceFromRuntime } from './secret-source';
import { ArtifactLinks, TaskExecutor } from './task-executor';
import { ENV } from '../../catalogue/environment';
import type { CostContext } from '../../usage/cost-context';

/** Everything the task runner (in Lambda or in the ECS container) works with, built once. */
export interface RunnerServices {
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  events: RunEventPublisher;
  objects: RunObjectStore;
  executor: TaskExecutor;
  flows: FlowCache;
  sfn: SFNClient;
  clock: Clock;
  logger: Logger;
  /** What a task run's cost is priced with, written with its terminal transition (run-cost.ts). */
  ledger: CostContext;
}

/** The services of the task-runner function (its bindings: Run, TaskRun, Flow, Secret, run objects, the code executor). */
export function runnerServices(runtime: Runtime): RunnerServices {
  const { runs, taskRuns, events, ledger } = createRunStores(runtime);
  const bucket = runtime.config.bucket('artifacts');
  return {
    runs,
    taskRuns,
    events,
    objects: new RunObjectStore(runtime.aws.s3, bucket),
    executor: new TaskExecutor(
      new ArtifactLinks(runtime.aws.s3, bucket, () => runtime.clock.nowMs()),
      secretSourceFromRuntime(runtime),
      lambdaCodeExecutor(runtime.aws.lambda, runtime.config.required(ENV.codeExecutorFunction)),
      egressPolicyOf(runtime.config),
    ),
    flows: new FlowCache(new FlowRepository(runtime.aws.ddb, runtime.config.table('Flow'))),
    get sfn() {
      return runtime.aws.sfn;
    },
    clock: runtime.clock,
    logger: runtime.logger,
    ledger,
  };
}
