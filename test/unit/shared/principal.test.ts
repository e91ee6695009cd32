import { resolvePrincipal } from '../../../lambdas/shared/http/principal';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../../lambdas/shared/errors';
import type { RouteDef } from '../../../lambdas/catalogue';

const route: RouteDef = { method: 'GET', path: '/v1/flows', domain: 'flows', operation: 'x', permission: 'flows:read', summary: '' };
const me: RouteDef = { ...route, path: '/v1/me', permission: 'self:read' };
const ctx = (orgs: Record<string, string>) => ({ principal_type: 'user' as const, principal_id: 'u1', email: 'a@b.c', user_id: 'u1', orgs: JSON.stringify(orgs) });

describe('resolvePrincipal', () => {
  it('public routes have no principal', () => {
    expect(resolvePrincipal({ ...route, permission: 'public' }, undefined, {})).toBeNull();
  });

  it('anonymous or missing context is a 401 carrying the denial reason', () => {
    expect(() => resolvePrincipal(route, undefined, {})).toThrow(UnauthorizedError);
    expect(() => resolvePrincipal(route, { principal_type: 'anonymous', denial: 'expired' }, {})).toThrow(/expired/);
  });

  it('a single membership is selected by default', () => {
    expect(resolvePrincipal(route, ctx({ o1: 'admin' }), {})).toMatchObject({ org_id: 'o1', role: 'admin' });
  });

  it('several memberships need X-Dagy-Org, which must be one of them', () => {
    const c = ctx({ o1: 'admin', o2: 'viewer' });
    expect(() => resolvePrincipal(route, c, {})).toThrow(BadRequestError);
    expect(resolvePrincipal(route, c, { 'x-dagy-org': 'o2' })).toMatchObject({ org_id: 'o2', role: 'viewer' });
    expect(() => resolvePrincipal(route, c, { 'x-dagy-org': 'o3' })).toThrow(ForbiddenError);
  });

  it('org-optional routes work without a selected organization', () => {
    expect(resolvePrincipal(me, ctx({ o1: 'admin', o2: 'viewer' }), {})).toMatchObject({ org_id: null, role: null });
  });

  it('ignores roles it does not know', () => {
    expect(() => resolvePrincipal(route, ctx({ o1: 'superuser' }), {})).toThrow(ForbiddenError);
  });
});
