import type { FunctionDef } from './types';

export const SECRETS_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-secrets',
    entry: 'lambdas/secrets/handler.ts',
    description: 'secrets (envelope-encrypted) and the audit log query',
    // AuditLog: reads for GET /v1/audit-logs plus PutItem for records; never update or delete.
    tables: { AccessLog: 'append', Secret: 'readwrite', Environment: 'read', AuditLog: 'readappend' },
    buckets: {},
    capabilities: ['kms:secrets'],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
];
