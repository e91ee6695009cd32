import { startTestPlatform, apiClient } from '../../support/platform';
import type { Platform } from '../../../local/platform';

// Bad input through the real local gateway: every answer is in the one error shape, and nothing
// crashes the platform (it keeps serving afterwards).
describe('gateway bad input', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);
  afterAll(async () => platform?.stop());

  const errorShape = { error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } };

  test('unknown route → 404, wrong method → 405', async () => {
    const api = apiClient(platform.url);
    const missing = await api.get('/v1/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(errorShape);
    const wrong = await api.delete('/v1/health');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
  });

  test('malformed JSON → 400; over the route limit → 413; over the gateway limit → 413', async () => {
    const api = apiClient(platform.url);
    const malformed = await api.post('/v1/auth/login', '{"email": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const large = await api.post('/v1/auth/login', { email: 'a@b.c', password: 'x'.repeat(300 * 1024) });
    expect(large.status).toBe(413);
    expect(large.body).toEqual(errorShape);
    const huge = await api.post('/v1/auth/login', 'x'.repeat(11 * 1024 * 1024));
    expect(huge.status).toBe(413);
  });

  test('an unauthenticated call to a protected route → 401 in the error shape', async () => {
    const res = await apiClient(platform.url).get('/v1/flows');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(errorShape);
    const bogus = await apiClient(platform.url, { authorization: 'Bearer nonsense' }).get('/v1/flows');
    expect(bogus.status).toBe(401);
  });

  test('the platform still serves after all of that', async () => {
    expect((await apiClient(platform.url).get('/v1/health')).status).toBe(200);
  });
});
