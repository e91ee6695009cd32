import type { EntityName } from '../entities';

/**
 * How a function may touch a table; `bindTable` in lib/ turns this into env var + IAM grant.
 * describe: DescribeTable only (the health check); append: PutItem only (audit and access logs,
 * never UpdateItem/DeleteItem); readappend: reads plus PutItem (e.g. query the audit log and append);
 * readupdate: reads, PutItem and UpdateItem, never DeleteItem or BatchWriteItem (usage events: put
 * as a claim, then flipped applied in place).
 */
export type TableAccess = 'describe' | 'read' | 'readwrite' | 'append' | 'readappend' | 'readupdate';
export type BucketName = 'artifacts' | 'ingest';
/**
 * name: the bucket's name only (env var, no grant), e.g. to validate configurations naming it.
 * run-objects: reads anything, writes only run objects (`runs/`, `ecs-orders/`; lambdas/execution/run-objects.ts):
 * never flow artifacts or the runner bundle under `runtime/`.
 */
export type BucketAccess = 'name' | 'read' | 'readwrite' | 'run-objects';

/** The HTTP domains: one Lambda each, with a router inside (not one function per route). */
export const HTTP_DOMAINS = ['platform', 'identity', 'flows', 'secrets', 'execution', 'scheduling', 'sensors', 'alerts', 'usage', 'billing'] as const;
export type HttpDomain = (typeof HTTP_DOMAINS)[number];

export type FunctionName =
  | `http-${HttpDomain}`
  | 'authorizer'
  | 'run-orchestrator'
  | 'task-runner'
  | 'run-reconciler'
  | 'code-executor'
  | 'schedule-evaluator'
  | 's3-sensor'
  | 'sensor-poller'
  | 'alert-dispatcher'
  | 'usage-meter'
  | 'lease-sweeper';

/** Extra capabilities beyond tables and buckets, each granted and configured by lib/. */
export type Capability =
  | 'kms:secrets' // encrypt/decrypt secret data keys
  | 'events:put' // PutEvents on the Dagy bus
  | 'states:start' // StartExecution/StopExecution on the run state machine
  | 'states:callback' // SendTaskSuccess/Failure (redeem task tokens)
  | 'lambda:invoke-task-runner' // async Invoke of the task runner
  | 'lambda:invoke-code-executor' // sync Invoke of the code executor (with TenantId)
  | 'ecs:run-task' // RunTask/StopTask of the runner task definition
  | 'ses:send' // SendEmail from the configured alert sender only
  | 'sns:publish'; // Publish to alert topics (names starting dagy-alerts-)

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
  /**
   * Runs tenant code: deployed with per-tenant isolation (invoked with TenantId = org_id), no
   * tracing, and it must bind nothing (no table, bucket or capability): its role holds only its
   * own log writes.
   */
  untrusted?: true;
  /** Reserved concurrency: guaranteed to this function, and its ceiling (one tenant cannot starve the others). */
  reservedConcurrency?: number;
  /**
   * Rule deliveries reach this function through its own SQS queue, in batches: one invocation
   * per batch instead of one per event. It then takes an SQS event and answers the records that
   * failed (`batchItemFailures`); they are received again after the visibility timeout, at most
   * `maxReceives` times, then dead-lettered.
   */
  queue?: QueueDelivery;
}

export interface QueueDelivery {
  /** Records per invocation at most (SQS event source batch size). */
  batchSize: number;
  /** How long a batch may wait to fill (the event source's maximum batching window). */
  batchingWindowSeconds: number;
  /** Receives of a message before it is dead-lettered. */
  maxReceives: number;
}

/**
 * A queue's visibility timeout: six times the function's timeout plus its batching window, as
 * AWS advises for Lambda's SQS event source (a batch in flight is never handed out twice).
 */
export function visibilityTimeoutSeconds(def: Pick<FunctionDef, 'timeoutSeconds' | 'queue'>): number {
  return 6 * def.timeoutSeconds + (def.queue?.batchingWindowSeconds ?? 0);
}

