import type { FunctionDef } from './types';

export const FLOWS_FUNCTIONS: FunctionDef[] = [
  {
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
      // Artifact bytes stored, metered when a flow version is registered (usage/usage-repository.ts).
      UsageEvent: 'append',
      UsageAggregate: 'readwrite',
    },
    buckets: { artifacts: 'readwrite' },
    capabilities: [],
    memoryMb: 512,
    timeoutSeconds: 29,
  },
];
