import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ENV } from '../../catalogue/environment';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { Runtime } from '../../shared/runtime';
import { FlowRepository } from '../../flows/flow-repository';
import type { RunEventPublisher } from '../run-events';
import type { RunRepository } from '../run-repository';
import { createRunStores } from '../run-stores';
import type { CostContext } from '../../usage/cost-context';
import type { TaskRunRepository } from '../task-run-repository';
import { RUNNER_BUNDLE_KEY, RUNNER_URL_TTL_SECONDS } from '../task-runner/ecs-contract';
import { RunObjectStore } from '../task-runner/run-object-store';
import { FlowCache } from './flow-cache';
import { EcsExchange } from '../ecs/ecs-exchange';
import { secretSourceFromRuntime, type SecretSource } from '../task-runner/secret-source';
import { ArtifactLinks } from '../task-runner/task-executor';

/** Where ECS tasks of the runner run (from the ecs:run-task capability's variables). */
export interface EcsTarget {
  cluster: string;
  taskDefinition: string;
  subnets: string[];
  securityGroup: string;
  containerName: string;
}

/** Everything the run-orchestrator's steps work with, built once per container. */
export interface OrchestratorServices {
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  events: RunEventPublisher;
  /** What the cost ledger prices runs with (closed at finalize: run-cost.ts). */
  ledger: CostContext;
  objects: RunObjectStore;
  flows: FlowCache;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly ecs: ECSClient;
  stateMachineArn: string;
  taskRunnerFunction: string;
  ecsTarget: EcsTarget;
  /** A presigned GET of the ECS runner bundle, for the container's bootstrap. */
  runnerUrl(): Promise<string>;
  /** ECS containers hold no credential: work orders, results and presigned URLs go through these. */
  ecsExchange: EcsExchange;
  artifactLinks: ArtifactLinks;
  /** The declared secrets of a task, for ECS work orders (and masking what containers report). */
  secrets: SecretSource;
  clock: Clock;
  logger: Logger;
}

export function orchestratorServices(runtime: Runtime): OrchestratorServices {
  const { config, aws } = runtime;
  const { runs, taskRuns, events, ledger } = createRunStores(runtime);
  const bucket = config.bucket('artifacts');
  return {
    runs,
    taskRuns,
    events,
    ledger,
    objects: new RunObjectStore(aws.s3, bucket),
    flows: new FlowCache(new FlowRepository(aws.ddb, config.table('Flow'))),
    get sfn() {
      return aws.sfn;
    },
    get lambda() {
      return aws.lambda;
    },
    get ecs() {
      return aws.ecs;
    },
    stateMachineArn: config.required(ENV.stateMachineArn),
    taskRunnerFunction: config.required(ENV.taskRunnerFunction),
    ecsTarget: {
      cluster: config.required(ENV.ecsCluster),
      taskDefinition: config.required(ENV.ecsTaskDefinition),
      subnets: config
        .required(ENV.ecsSubnets)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      securityGroup: config.required(ENV.ecsSecurityGroup),
      containerName: config.required(ENV.ecsContainerName),
    },
    runnerUrl: () => getSignedUrl(aws.s3, new GetObjectCommand({ Bucket: bucket, Key: RUNNER_BUNDLE_KEY }), { expiresIn: RUNNER_URL_TTL_SECONDS }),
    ecsExchange: new EcsExchange(aws.s3, bucket),
    artifactLinks: new ArtifactLinks(aws.s3, bucket, () => runtime.clock.nowMs()),
    secrets: secretSourceFromRuntime(runtime),
    clock: runtime.clock,
    logger: runtime.logger,
  };
}
