import type { Capability, FunctionDef, FunctionName, BucketName } from './functions';
import type { EntityName } from './entities';
import { tableEnvVar } from './entities';

/**
 * The environment contract between infrastructure and runtime: lib/ sets exactly these
 * variables on each function (with grants), the local platform sets the same with local values,
 * and lambdas/shared/config.ts reads and checks them once at cold start.
 */
export const ENV = {
  stage: 'DAGY_STAGE',
  artifactsBucket: 'DAGY_ARTIFACT_BUCKET',
  ingestBucket: 'DAGY_INGEST_BUCKET',
  eventBusName: 'DAGY_EVENT_BUS_NAME',
  kmsKeyId: 'DAGY_KMS_KEY_ID',
  localKeyFile: 'DAGY_LOCAL_KEY_FILE',
  stateMachineArn: 'DAGY_STATE_MACHINE_ARN',
  taskRunnerFunction: 'DAGY_TASK_RUNNER_FUNCTION',
  codeExecutorFunction: 'DAGY_CODE_EXECUTOR_FUNCTION',
  ecsCluster: 'DAGY_ECS_CLUSTER',
  ecsTaskDefinition: 'DAGY_ECS_TASK_DEFINITION',
  ecsSubnets: 'DAGY_ECS_SUBNETS',
  ecsSecurityGroup: 'DAGY_ECS_SECURITY_GROUP',
  ecsContainerName: 'DAGY_ECS_CONTAINER_NAME',
  /**
   * ECS runner container only: a presigned GET of the runner bundle, set per RunTask as a container
   * override (the orchestrator's dispatch, the state machine's RunInEcs state) and read by the
   * container's bootstrap command (lib/stacks/orchestration-stack.ts). Never set on a function.
   */
  runnerUrl: 'DAGY_RUNNER_URL',
  /** ses:send: the (SES-verified) sender of alert emails; lib/ sets it from cdk.json's dagy:alertEmailFrom. */
  alertEmailFrom: 'DAGY_ALERT_EMAIL_FROM',
  /** Optional alert delivery tunables (lambdas/alerts/delivery-policy.ts documents the defaults). */
  alertDeliveryAttempts: 'DAGY_ALERT_DELIVERY_ATTEMPTS',
  alertRetryBaseMs: 'DAGY_ALERT_RETRY_BASE_MS',
  /** Optional endpoint overrides: set only by the local platform, never in AWS. */
  dynamodbEndpoint: 'DAGY_DYNAMODB_ENDPOINT',
  s3Endpoint: 'DAGY_S3_ENDPOINT',
  eventsEndpoint: 'DAGY_EVENTS_ENDPOINT',
  sfnEndpoint: 'DAGY_SFN_ENDPOINT',
  lambdaEndpoint: 'DAGY_LAMBDA_ENDPOINT',
  ecsEndpoint: 'DAGY_ECS_ENDPOINT',
  sesEndpoint: 'DAGY_SES_ENDPOINT',
  snsEndpoint: 'DAGY_SNS_ENDPOINT',
  /**
   * Optional, local platform only ("true" refused on any other stage): the egress guard
   * (lambdas/shared/egress/) lets tenant requests reach loopback addresses over http, for tests.
   */
  egressAllowLoopbackHttp: 'DAGY_EGRESS_ALLOW_LOOPBACK_HTTP',
  /** Identity function only: "false" turns POST /v1/auth/signup off (lib/stage.ts signupEnabled). */
  signupEnabled: 'DAGY_SIGNUP_ENABLED',
} as const;

/**
 * Functions that make requests on a tenant's behalf through the egress guard (HTTP tasks, polling
 * sensors, alert deliveries) or judge tenant URLs at registration (flows, notification channels):
 * the local platform's loopback flag sets ENV.egressAllowLoopbackHttp on these.
 */
export const TENANT_EGRESS_FUNCTIONS: readonly FunctionName[] = ['task-runner', 'sensor-poller', 'http-flows', 'http-alerts', 'alert-dispatcher'];

/**
 * Key of the bundled ECS runner (lambdas/execution/ecs-runner.ts) in the artifacts bucket: lib/
 * uploads it there at deploy time, and the orchestrator presigns a GET of it for the container.
 */
export const ECS_RUNNER_BUNDLE_KEY = 'runtime/ecs-runner.mjs';

/**
 * Key prefixes of run objects in the artifacts bucket: task outputs and logs (`runs/`) and the
 * work orders and results exchanged with ECS runner containers (`ecs-orders/`, expired after a
 * day). Functions with `run-objects` access may write these and nothing else of the bucket.
 */
export const RUN_OBJECTS_PREFIX = 'runs';
export const ECS_ORDERS_PREFIX = 'ecs-orders';
export const RUN_OBJECT_WRITE_PREFIXES = [RUN_OBJECTS_PREFIX, ECS_ORDERS_PREFIX] as const;
/** Size of the ECS runner task (Fargate, arm64): lib/ deploys it, the cost ledger prices it. */
export const ECS_RUNNER_TASK_SIZE = { cpu: 1024, memoryLimitMiB: 2048 } as const;

export const BUCKET_ENV: Record<BucketName, string> = {
  artifacts: ENV.artifactsBucket,
  ingest: ENV.ingestBucket,
};

/** Variables each capability needs. kms:secrets takes the KMS key id in AWS or a key file locally. */
export const CAPABILITY_ENV: Record<Capability, string[]> = {
  'kms:secrets': [],
  'events:put': [ENV.eventBusName],
  'states:start': [ENV.stateMachineArn],
  'states:callback': [],
  'lambda:invoke-task-runner': [ENV.taskRunnerFunction],
  'lambda:invoke-code-executor': [ENV.codeExecutorFunction],
  'ecs:run-task': [ENV.ecsCluster, ENV.ecsTaskDefinition, ENV.ecsSubnets, ENV.ecsSecurityGroup, ENV.ecsContainerName],
  'ses:send': [ENV.alertEmailFrom],
  'sns:publish': [],
};

export const OPTIONAL_ENDPOINT_VARS = [
  ENV.dynamodbEndpoint,
  ENV.s3Endpoint,
  ENV.eventsEndpoint,
  ENV.sfnEndpoint,
  ENV.lambdaEndpoint,
  ENV.ecsEndpoint,
  ENV.sesEndpoint,
  ENV.snsEndpoint,
] as const;

/** Every variable a function must have (kms:secrets is checked separately: one of two). */
export function requiredEnvVars(def: FunctionDef): string[] {
  const vars: string[] = [ENV.stage];
  for (const entity of Object.keys(def.tables) as EntityName[]) vars.push(tableEnvVar(entity));
  for (const bucket of Object.keys(def.buckets) as BucketName[]) vars.push(BUCKET_ENV[bucket]);
  for (const capability of def.capabilities) vars.push(...CAPABILITY_ENV[capability]);
  return [...new Set(vars)];
}
