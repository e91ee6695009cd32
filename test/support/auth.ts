import { randomBytes } from 'node:crypto';
import type { Role } from '../../lambdas/catalogue/roles';
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

export interface Member extends TestTenant {
  /** Client acting in the inviting organization (the member also owns their own signup org). */
  inOrg: ApiClient;
}

/**
 * Signs up another user and adds them to `owner`'s organization with `role`: the owner invites
 * their email (POST /v1/members), the user accepts the invitation's token.
 */
export async function addMember(platformUrl: string, owner: TestTenant, role: Role, name: string = role): Promise<Member> {
  const user = await signUpTenant(platformUrl, name);
  const invited = await owner.api.post('/v1/members', { email: user.email, role });
  if (invited.status !== 201) throw new Error(`invite member failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await user.api.post(invited.body.accept_path);
  if (accepted.status !== 201) throw new Error(`accept invitation failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return { ...user, inOrg: user.api.withHeaders({ 'x-dagy-org': owner.org_id }) };
}
