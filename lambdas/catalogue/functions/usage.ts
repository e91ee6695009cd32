import type { FunctionDef } from './types';

export const USAGE_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-usage',
    entry: 'lambdas/usage/handler.ts',
    description: 'usage aggregates and usage events of the organization',
    tables: { AccessLog: 'append', UsageEvent: 'read', UsageAggregate: 'read', Subscription: 'read' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
  {
    name: 'usage-meter',
    entry: 'lambdas/usage/meter-handler.ts',
    description: 'run and task run status events: usage events and per-period aggregates',
    // UsageEvent: a conditional Put (once per event id); UsageAggregate: UpdateItem ADD counters.
    tables: { UsageEvent: 'append', UsageAggregate: 'readwrite' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
];
