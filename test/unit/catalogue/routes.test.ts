import { ROUTES, createRouteMatcher, routeKey, PERMISSIONS, FUNCTIONS, httpFunctionName } from '../../../lambdas/catalogue';

describe('routes catalogue', () => {
  it('every route is under /v1, names a known permission and a domain with a function', () => {
    for (const route of ROUTES) {
      expect(route.path.startsWith('/v1/')).toBe(true);
      if (route.permission !== 'public') expect(Object.keys(PERMISSIONS)).toContain(route.permission);
      expect(FUNCTIONS[httpFunctionName(route.domain)]).toBeDefined();
    }
  });

  it('method + path are unique', () => {
    const keys = ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('health is public', () => {
    expect(ROUTES.find((r) => routeKey(r) === 'GET /v1/health')?.permission).toBe('public');
  });
});

describe('route matcher', () => {
  const match = createRouteMatcher([
    { method: 'GET', path: '/v1/flows/{flow_name}', domain: 'flows', operation: 'a', permission: 'flows:read', summary: '' },
    { method: 'GET', path: '/v1/flows/special', domain: 'flows', operation: 'b', permission: 'flows:read', summary: '' },
    { method: 'DELETE', path: '/v1/flows/{flow_name}', domain: 'flows', operation: 'c', permission: 'flows:write', summary: '' },
  ]);

  it('extracts and decodes path parameters', () => {
    const m = match('GET', '/v1/flows/my%20flow');
    expect(m).toMatchObject({ kind: 'found', pathParameters: { flow_name: 'my flow' } });
  });

  it('prefers literal segments over parameters', () => {
    const m = match('GET', '/v1/flows/special');
    expect(m.kind === 'found' && m.route.operation).toBe('b');
  });

  it('reports allowed methods for a known path with another method', () => {
    expect(match('POST', '/v1/flows/x')).toEqual({ kind: 'method_not_allowed', allowed: ['GET', 'DELETE'] });
  });

  it('says not_found for unknown paths and does not match across segments', () => {
    expect(match('GET', '/v1/nothing')).toEqual({ kind: 'not_found' });
    expect(match('GET', '/v1/flows/a/b')).toEqual({ kind: 'not_found' });
  });
});
