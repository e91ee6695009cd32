import type { FunctionDef } from './types';

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
      // The monthly budget check at run admission (usage/budget.ts).
      Subscription: 'read',
      UsageAggregate: 'read',
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
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Secret: 'read' },
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
    untrusted: true,
  },
  {
    name: 'run-reconciler',
    entry: 'lambdas/execution/reconciler-handler.ts',
    description: 'every minute: starts runs QUEUED without an execution, finalizes runs whose execution ended or vanished',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read' },
    buckets: { artifacts: 'read' },
    capabilities: ['states:start', 'events:put'],
    memoryMb: 512,
    timeoutSeconds: 120,
  },
];
