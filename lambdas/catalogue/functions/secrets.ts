import type { FunctionDef } from './types';

export const SECRETS_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-secrets',
    entry: 'lambdas/secrets/handler.ts',
    description: 'secrets (envelope-encrypted) and the audit log query',
    tables: {
      AccessLog: 'append', Secret: 'readwrite', Environment: 'read', AuditLog: 'append' },
    buckets: {},
    capabilities: ['kms:secrets'],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
];
