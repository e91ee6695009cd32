/** Roles in rising order of power; a role holds every permission of the roles below it. */
export const ROLES = ['viewer', 'developer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return roleRank(role) >= roleRank(minimum);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Every permission a route may require, with the least role that holds it. Viewers read;
 * developers also write flows, deployments, schedules, sensors, drafts and runs; admins also
 * manage members, API keys, environments and secrets; owners also the organization and billing.
 */
export const PERMISSIONS = {
  'org:read': 'viewer',
  'org:create': 'viewer',
  'org:manage': 'owner',
  'subscription:manage': 'owner',
  'members:read': 'viewer',
  'members:manage': 'admin',
  'api_keys:read': 'admin',
  'api_keys:manage': 'admin',
  'access_logs:read': 'admin',
  'audit:read': 'admin',
  'flows:read': 'viewer',
  'flows:write': 'developer',
  'deployments:read': 'viewer',
  'deployments:write': 'developer',
  'environments:read': 'viewer',
  'environments:manage': 'admin',
  'secrets:read': 'developer',
  'secrets:manage': 'admin',
  'secrets:reveal': 'admin',
  'drafts:read': 'viewer',
  'drafts:write': 'developer',
  'runs:read': 'viewer',
  'runs:write': 'developer',
  'schedules:read': 'viewer',
  'schedules:write': 'developer',
  'sensors:read': 'viewer',
  'sensors:write': 'developer',
  'self:read': 'viewer',
  'self:write': 'viewer',
  // Channels hold delivery credentials (signing secrets, tokenised URLs): only admins change them.
  'alerts:read': 'viewer',
  'alerts:manage': 'admin',
  'usage:read': 'viewer',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
