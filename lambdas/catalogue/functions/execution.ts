import type { FunctionDef } from './types';

/**
 * Reserved concurrency of the task runner: it always has these instances, whatever other
 * functions of the account do, and never takes more (per-organization concurrency comes from the
 * plan: lambdas/billing/plans.ts).
 */
export const TASK_RUNNER_RESERVED_CONCURRENCY = 100;
/** Reserved concurrency of the (untrusted) code executor function, for when it is added. */
export const CODE_EXECUTOR_RESERVED_CONCURRENCY = 100;

export const EXECUTION_FUNCTIONS: FunctionDef[] = [
  {
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
      // The run starter checks that declared secrets exist (names only, nothing decrypted) and
      // whether a deployment's environment is protected.
      Secret: 'read',
      Environment: 'read',
      // Plan limits and the monthly budget at run admission (quota counter, slot leases).
      Subscription: 'readwrite',
      UsageAggregate: 'readwrite',
    },
    // run-objects: the cancel route writes the run's cancel marker that its ECS containers poll.
    buckets: { artifacts: 'run-objects' },
    capabilities: ['states:start', 'events:put', 'ecs:run-task'],
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    name: 'run-orchestrator',
    entry: 'lambdas/execution/orchestrator-handler.ts',
    description: 'Step Functions task steps of the run state machine',
    // Subscription/UsageAggregate/Deployment: a finalized run releases its slot and starts the next waiting run.
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Secret: 'read', Subscription: 'readwrite', UsageAggregate: 'readwrite', Deployment: 'read' },
    buckets: { artifacts: 'run-objects' },
    // Secrets: ECS containers hold no credential, so their work orders carry the declared secrets.
    capabilities: ['events:put', 'lambda:invoke-task-runner', 'ecs:run-task', 'states:callback', 'states:start', 'kms:secrets'],
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  {
    name: 'task-runner',
    entry: 'lambdas/execution/task-runner-handler.ts',
    description: 'runs attempts (one task, or a whole DAG): hands code to the code executor, records results',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Secret: 'read' },
    buckets: { artifacts: 'run-objects' },
    capabilities: ['kms:secrets', 'events:put', 'states:callback', 'lambda:invoke-code-executor'],
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: TASK_RUNNER_RESERVED_CONCURRENCY,
  },
  {
    name: 'lease-sweeper',
    entry: 'lambdas/execution/lease-sweeper-handler.ts',
    description: 'every minute: releases expired run slot leases of dead executions and starts waiting runs',
    tables: { Subscription: 'readwrite', UsageAggregate: 'readwrite', Run: 'readwrite', Deployment: 'read' },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 120,
  },
  {
    name: 'code-executor',
    entry: 'lambdas/execution/code-executor-handler.ts',
    description: 'runs tenant task code (untrusted): no grants, per-tenant isolation',
    tables: {},
    buckets: {},
    capabilities: [],
    memoryMb: 1024,
    timeoutSeconds: 900,
    // Every code attempt of every organization runs here: a reserved share no other function can take.
    reservedConcurrency: CODE_EXECUTOR_RESERVED_CONCURRENCY,
    untrusted: true,
  },
  {
    name: 'run-reconciler',
    entry: 'lambdas/execution/reconciler-handler.ts',
    description: 'every minute: starts runs QUEUED without an execution, finalizes runs whose execution ended or vanished',
    // Subscription/UsageAggregate/Deployment: a finalized run gives its slot back and starts the next waiting run.
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Subscription: 'readwrite', UsageAggregate: 'readwrite', Deployment: 'read' },
    buckets: { artifacts: 'read' },
    capabilities: ['states:start', 'events:put'],
    memoryMb: 512,
    timeoutSeconds: 120,
  },
];
