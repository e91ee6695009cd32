import type { FunctionDef } from './types';

export const IDENTITY_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-identity',
    entry: 'lambdas/identity/handler.ts',
    description: 'signup, login, organizations, members, API keys, access logs',
    tables: {
      User: 'readwrite',
      AccessToken: 'readwrite',
      // Access logs are appended by the HTTP stack and only read here: never updated or deleted.
      AccessLog: 'readappend',
      Organization: 'readwrite',
      Membership: 'readwrite',
      ApiKey: 'readwrite',
      Environment: 'readwrite',
      AuditLog: 'append',
      // A new organization's free subscription; the plan's member limit on member adds.
      Subscription: 'readwrite',
      // The member limit's guard (limits#members, lambdas/billing/limit-guard.ts).
      UsageAggregate: 'readwrite',
    },
    buckets: {},
    capabilities: [],
    memoryMb: 512,
    timeoutSeconds: 15,
  },
  {
    name: 'authorizer',
    entry: 'lambdas/identity/authorizer-handler.ts',
    description: 'HTTP API Lambda authorizer: access tokens and API keys',
    // Memberships are mirrored on the user item (org_roles), so the authorizer never reads Membership.
    tables: { AccessToken: 'read', ApiKey: 'readwrite', User: 'read' },
    buckets: {},
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 5,
  },
];
