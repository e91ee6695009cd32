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
    description: 'run and task run status events, in batches from its queue: usage events and per-period aggregates',
    // UsageEvent: a conditional Put (the claim, once per event id), a strong read of a claim found
    // taken, and the UpdateItem that flips it applied; UsageAggregate: UpdateItem ADD counters.
    tables: { UsageEvent: 'readupdate', UsageAggregate: 'readwrite' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 30,
    // One invocation meters up to 100 events: claims one by one, then one transaction per
    // organization for the flips and the summed counters (lambdas/usage/usage-repository.ts).
    queue: { batchSize: 100, batchingWindowSeconds: 1, maxReceives: 5 },
  },
];
