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
      // The monthly budget check at run admission (usage/budget.ts).
      Subscription: 'read',
      UsageAggregate: 'read',
    },
    buckets: { artifacts: 'read' },
    capabilities: ['states:start', 'events:put', 'ecs:run-task'],
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    name: 'run-orchestrator',
    entry: 'lambdas/execution/orchestrator-handler.ts',
    description: 'Step Functions task steps of the run state machine',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read' },
    buckets: { artifacts: 'readwrite' },
    capabilities: ['events:put', 'lambda:invoke-task-runner', 'ecs:run-task', 'states:callback', 'states:start'],
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  {
    name: 'task-runner',
    entry: 'lambdas/execution/task-runner-handler.ts',
    description: 'runs task code from the flow artifact (one task, or a whole DAG)',
    tables: { Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Secret: 'read' },
    buckets: { artifacts: 'readwrite' },
    capabilities: ['kms:secrets', 'events:put', 'states:callback'],
    memoryMb: 1024,
    timeoutSeconds: 900,
  },
];
