import { randomBytes } from 'node:crypto';
import { apiClient, type ApiClient } from './platform';

export interface TestTenant {
  /** Client with `Authorization: Bearer <access token>` of the organization's owner. */
  api: ApiClient;
  token: string;
  org_id: string;
  user_id: string;
  email: string;
  password: string;
}

/**
 * Signs up a fresh user and organization through the real API (POST /v1/auth/signup) and
 * returns an authenticated client for its owner. Every integration test gets its tenant this way.
 */
export async function signUpTenant(baseUrl: string, name = 'test'): Promise<TestTenant> {
  const suffix = randomBytes(4).toString('hex');
  const email = `${name}-${suffix}@example.com`;
  const password = `correct-horse-${suffix}-battery`;
  const res = await apiClient(baseUrl).post('/v1/auth/signup', { email, password, name: `${name} user`, org_name: `${name} org ${suffix}` });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token: string = res.body.access_token.token;
  return {
    api: apiClient(baseUrl, { authorization: `Bearer ${token}` }),
    token,
    org_id: res.body.organization.org_id,
    user_id: res.body.user.user_id,
    email,
    password,
  };
}
