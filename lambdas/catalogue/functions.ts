import { ENTITIES, type EntityName } from './entities';

/** How a function may touch a table; `bindTable` in lib/ turns this into env var + IAM grant. */
/** describe: DescribeTable only (the health check); append: PutItem only (audit and access logs). */
export type TableAccess = 'describe' | 'read' | 'readwrite' | 'append';
export type BucketName = 'artifacts' | 'ingest';
export type BucketAccess = 'read' | 'readwrite';

/** The HTTP domains: one Lambda each, with a router inside (not one function per route). */
export const HTTP_DOMAINS = ['platform', 'identity', 'flows', 'secrets', 'execution', 'scheduling', 'sensors'] as const;
export type HttpDomain = (typeof HTTP_DOMAINS)[number];

export type FunctionName =
  | `http-${HttpDomain}`
  | 'authorizer'
  | 'run-orchestrator'
  | 'task-runner'
  | 'schedule-evaluator'
  | 's3-sensor'
  | 'sensor-poller';

/** Extra capabilities beyond tables and buckets, each granted and configured by lib/. */
export type Capability =
  | 'kms:secrets' // encrypt/decrypt secret data keys
  | 'events:put' // PutEvents on the Dagy bus
  | 'states:start' // StartExecution/StopExecution on the run state machine
  | 'states:callback' // SendTaskSuccess/Failure (redeem task tokens)
  | 'lambda:invoke-task-runner' // async Invoke of the task runner
  | 'ecs:run-task'; // RunTask/StopTask of the runner task definition

export interface FunctionDef {
  name: FunctionName;
  /** Path of the Lambda entry module (exports `handler`), relative to the project root. */
  entry: string;
  description: string;
  tables: Partial<Record<EntityName, TableAccess>>;
  buckets: Partial<Record<BucketName, BucketAccess>>;
  capabilities: Capability[];
  memoryMb: number;
  timeoutSeconds: number;
}

const fn = (def: FunctionDef): FunctionDef => def;

/** Every Lambda function of Dagy. CDK builds them; the local platform hosts the same entries. */
export const FUNCTIONS: Record<FunctionName, FunctionDef> = {
  'http-platform': fn({
    name: 'http-platform',
    entry: 'lambdas/platform/handler.ts',
    description: 'health, the OpenAPI document, and 404/405 answers for unknown routes',
    tables: Object.fromEntries(ENTITIES.map((e) => [e, 'describe'])) as Record<EntityName, TableAccess>,
    buckets: { artifacts: 'read' },
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 10,
  }),
  'http-identity': fn({
    name: 'http-identity',
    entry: 'lambdas/identity/handler.ts',
    description: 'signup, login, organizations, members, API keys, access logs',
    tables: {
      User: 'readwrite',
      AccessToken: 'readwrite',
      AccessLog: 'readwrite',
      Organization: 'readwrite',
      Membership: 'readwrite',
      ApiKey: 'readwrite',
      Environment: 'readwrite',
      Subscription: 'readwrite',
      AuditLog: 'append',
    },
    buckets: {},
    capabilities: [],
    memoryMb: 512,
    timeoutSeconds: 15,
  }),
  'http-flows': fn({
    name: 'http-flows',
    entry: 'lambdas/flows/handler.ts',
    description: 'flows, artifacts, deployments, environments, drafts, audit log reads',
    tables: {
      AccessLog: 'append',
      Flow: 'readwrite',
      Deployment: 'readwrite',
      Environment: 'readwrite',
      DagDraft: 'readwrite',
      Schedule: 'readwrite',
      AuditLog: 'append',
    },
    buckets: { artifacts: 'readwrite' },
    capabilities: [],
    memoryMb: 512,
    timeoutSeconds: 29,
  }),
  'http-secrets': fn({
    name: 'http-secrets',
    entry: 'lambdas/secrets/handler.ts',
    description: 'secrets (envelope-encrypted) and the audit log query',
    tables: {
      AccessLog: 'append', Secret: 'readwrite', Environment: 'read', AuditLog: 'append' },
    buckets: {},
    capabilities: ['kms:secrets'],
    memoryMb: 256,
    timeoutSeconds: 15,
  }),
  'http-execution': fn({
    name: 'http-execution',
    entry: 'lambdas/execution/handler.ts',
    description: 'runs and task runs: start, list, cancel, retry, logs',
    tables: {
      AccessLog: 'append',
      Run: 'readwrite',
      TaskRun: 'readwrite',
      Flow: 'read',
      Deployment: 'read',
      AuditLog: 'append',
    },
    buckets: { artifacts: 'read' },
    capabilities: ['states:start', 'events:put', 'ecs:run-task'],
    memoryMb: 512,
    timeoutSeconds: 29,
  }),
  'http-scheduling': fn({
    name: 'http-scheduling',
    entry: 'lambdas/scheduling/handler.ts',
    description: 'schedules',
    tables: {
      AccessLog: 'append', Schedule: 'readwrite', Flow: 'read', Deployment: 'read', AuditLog: 'append' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 15,
  }),
  'http-sensors': fn({
    name: 'http-sensors',
    entry: 'lambdas/sensors/handler.ts',
    description: 'sensors and the public webhook trigger',
    tables: {
      AccessLog: 'append',
      Sensor: 'readwrite',
      Flow: 'read',
      Deployment: 'read',
      Run: 'readwrite',
      TaskRun: 'readwrite',
      AuditLog: 'append',
    },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 15,
  }),
  authorizer: fn({
    name: 'authorizer',
    entry: 'lambdas/identity/authorizer-handler.ts',
    description: 'HTTP API Lambda authorizer: access tokens and API keys',
    tables: { AccessToken: 'read', ApiKey: 'readwrite', Membership: 'read', User: 'read' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 5,
  }),
  'run-orchestrator': fn({
    name: 'run-orchestrator',
    entry: 'lambdas/execution/orchestrator-handler.ts',
    description: 'Step Functions task steps of the run state machine',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read' },
    buckets: { artifacts: 'readwrite' },
    capabilities: ['events:put', 'lambda:invoke-task-runner', 'ecs:run-task', 'states:callback', 'states:start'],
    memoryMb: 512,
    timeoutSeconds: 60,
  }),
  'task-runner': fn({
    name: 'task-runner',
    entry: 'lambdas/execution/task-runner-handler.ts',
    description: 'runs task code from the flow artifact (one task, or a whole DAG)',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Secret: 'read' },
    buckets: { artifacts: 'readwrite' },
    capabilities: ['kms:secrets', 'events:put', 'states:callback'],
    memoryMb: 1024,
    timeoutSeconds: 900,
  }),
  'schedule-evaluator': fn({
    name: 'schedule-evaluator',
    entry: 'lambdas/scheduling/evaluator-handler.ts',
    description: 'every minute: claims due schedules and starts their runs',
    tables: { Schedule: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read' },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 512,
    timeoutSeconds: 120,
  }),
  's3-sensor': fn({
    name: 's3-sensor',
    entry: 'lambdas/sensors/s3-sensor-handler.ts',
    description: 'S3 Object Created events: matches s3 sensors and starts runs',
    tables: { Sensor: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read' },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 30,
  }),
  'sensor-poller': fn({
    name: 'sensor-poller',
    entry: 'lambdas/sensors/poller-handler.ts',
    description: 'every minute: polls due polling sensors',
    tables: { Sensor: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read' },
    buckets: { ingest: 'read' },
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 120,
  }),
};

export function httpFunctionName(domain: HttpDomain): FunctionName {
  return `http-${domain}`;
}
