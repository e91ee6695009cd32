import type { RouteDef } from './types';

export const SECRETS_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/secrets', domain: 'secrets', operation: 'listSecrets', permission: 'secrets:read', summary: 'List secrets (metadata only; environment filter)' },
  { method: 'POST', path: '/v1/secrets', domain: 'secrets', operation: 'createSecret', permission: 'secrets:manage', summary: 'Create a secret (org-wide or scoped to an environment)' },
  { method: 'GET', path: '/v1/secrets/{secret_name}', domain: 'secrets', operation: 'getSecret', permission: 'secrets:read', summary: "A secret's metadata (never its value)" },
  { method: 'PUT', path: '/v1/secrets/{secret_name}', domain: 'secrets', operation: 'putSecret', permission: 'secrets:manage', summary: "Set a secret's value (creates it when absent)" },
  { method: 'DELETE', path: '/v1/secrets/{secret_name}', domain: 'secrets', operation: 'deleteSecret', permission: 'secrets:manage', summary: 'Delete a secret' },
  { method: 'POST', path: '/v1/secrets/{secret_name}/reveal', domain: 'secrets', operation: 'revealSecret', permission: 'secrets:reveal', summary: "Reveal a secret's value (admins; audited)" },
  { method: 'GET', path: '/v1/audit-logs', domain: 'secrets', operation: 'listAuditLogs', permission: 'audit:read', summary: 'Audit records by resource or time range, newest first' },
];
