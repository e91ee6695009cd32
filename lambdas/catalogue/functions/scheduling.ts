import type { FunctionDef } from './types';

export const SCHEDULING_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-scheduling',
    entry: 'lambdas/scheduling/handler.ts',
    description: 'schedules',
    tables: {
      AccessLog: 'append', Schedule: 'readwrite', Flow: 'read', Deployment: 'read', AuditLog: 'append',
      // The plan's schedule limit (read), and its guard (limits#schedules, lambdas/billing/limit-guard.ts).
      Subscription: 'read', UsageAggregate: 'readwrite' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
  {
    name: 'schedule-evaluator',
    entry: 'lambdas/scheduling/evaluator-handler.ts',
    description: 'every minute: claims due schedules and starts their runs',
    tables: {
      Schedule: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read', AuditLog: 'append', Secret: 'read',
      // Plan limits and the monthly budget at run admission (quota counter, slot leases).
      Subscription: 'readwrite', UsageAggregate: 'readwrite',
    },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 512,
    timeoutSeconds: 120,
  },
];
