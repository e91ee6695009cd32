import { startTestPlatform, apiClient } from '../../support/platform';
import { ROUTES } from '../../../lambdas/catalogue';
import type { Platform } from '../../../local/platform';

// GET /v1/openapi.json over HTTP: generated from the routes catalogue and the domains' schemas.
describe('the OpenAPI document', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);
  afterAll(async () => platform?.stop());

  test('is public and describes every catalogued route with its permission', async () => {
    const res = await apiClient(platform.url).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const op = res.body.paths[route.path]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.path}`, present: op !== undefined }).toEqual({ route: `${route.method} ${route.path}`, present: true });
      if (route.permission === 'public') expect(op.security).toEqual([]);
      else expect(op['x-dagy-permission']).toBe(route.permission);
    }
    // Request bodies come from the same zod schemas the handlers validate with.
    const runBody = res.body.paths['/v1/runs'].post.requestBody.content['application/json'].schema;
    expect(runBody.properties).toHaveProperty('parameters');
  });
});
