import type { HttpDomain } from '../functions';
import type { Permission } from '../roles';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path, e.g. /v1/flows/{flow_name}/versions. */
  path: string;
  domain: HttpDomain;
  /** Name of the operation in the domain's router. */
  operation: string;
  /** Permission needed, or 'public' for routes that skip the authorizer (health, login, webhooks). */
  permission: Permission | 'public';
  summary: string;
  /** Largest accepted request body in bytes (defaults to DEFAULT_BODY_LIMIT). */
  maxBodyBytes?: number;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;

export function routeKey(route: Pick<RouteDef, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Routes that need an authenticated caller but no selected organization (e.g. GET /v1/me). */
export function isOrgOptional(route: Pick<RouteDef, 'permission'>): boolean {
  return route.permission === 'org:create' || route.permission === 'self:read' || route.permission === 'self:write';
}
