import type { FunctionDef } from './types';

export const BILLING_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-billing',
    entry: 'lambdas/billing/handler.ts',
    description: 'the subscription: plan, status, budget, limits',
    // UsageAggregate: read only (this month's run count in the subscription view).
    tables: { AccessLog: 'append', Subscription: 'readwrite', UsageAggregate: 'read', AuditLog: 'append' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
];
