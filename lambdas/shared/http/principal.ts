import { isRole, type Role } from '../../catalogue/roles';
import { isOrgOptional, type RouteDef } from '../../catalogue/routes';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../errors';
import type { AuthorizerContext, OrgPrincipal, Principal } from './types';

export const ORG_HEADER = 'x-dagy-org';

function parseOrgs(raw: string): Record<string, Role> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UnauthorizedError('malformed authorizer context');
  }
  if (typeof value !== 'object' || value === null) throw new UnauthorizedError('malformed authorizer context');
  const out: Record<string, Role> = {};
  for (const [org, role] of Object.entries(value)) if (isRole(role)) out[org] = role;
  return out;
}

/**
 * Turns the authorizer's context into the caller's principal. The organization comes from the
 * credential's memberships and the X-Dagy-Org header, never from a body or query string.
 */
export function resolvePrincipal(
  route: RouteDef,
  context: Partial<AuthorizerContext> | undefined,
  headers: Record<string, string>,
): Principal | null {
  if (route.permission === 'public') return null;
  // The authorizer lets invalid credentials through as 'anonymous' (with a reason) so that the
  // 401 is answered here, in the one error shape, instead of API Gateway's bare 403.
  if (context === undefined || (context.principal_type !== 'user' && context.principal_type !== 'api_key')) {
    throw new UnauthorizedError(context?.denial ? `invalid credentials: ${context.denial}` : 'authentication required');
  }
  if (!context.principal_id || context.orgs === undefined) throw new UnauthorizedError();
  const orgs = parseOrgs(context.orgs);
  const requested = headers[ORG_HEADER];
  const base = {
    principal_type: context.principal_type,
    principal_id: context.principal_id,
    email: context.email ?? '',
    user_id: context.user_id ?? '',
  };
  let orgId: string | null = null;
  if (requested !== undefined && requested !== '') {
    // Not a member: answer as if the organization did not exist for this caller.
    if (orgs[requested] === undefined) throw new ForbiddenError('you are not a member of that organization');
    orgId = requested;
  } else {
    const ids = Object.keys(orgs);
    if (ids.length === 1) orgId = ids[0]!;
    else if (!isOrgOptional(route)) {
      if (ids.length === 0) throw new ForbiddenError('you are not a member of any organization');
      throw new BadRequestError('you belong to several organizations: choose one with the X-Dagy-Org header', 'org_required');
    }
  }
  return { ...base, org_id: orgId, role: orgId === null ? null : orgs[orgId]! };
}

/** The principal of a request on an org-scoped route (the stack guarantees one is selected). */
export function orgPrincipal(principal: Principal | null): OrgPrincipal {
  if (principal === null) throw new UnauthorizedError();
  if (principal.org_id === null || principal.role === null) throw new ForbiddenError('no organization selected');
  return principal as OrgPrincipal;
}
