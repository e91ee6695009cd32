// Invitations on the local platform: adding a member by email issues a token that the invitee,
// signed in with that email, accepts; nobody joins just by having registered the email.
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { addMember, auditRecords, scanAll } from './helpers';

// After the real time: DynamoDB Local's TTL sweeper deletes items whose expiry is in the real past.
const START_MS = Date.parse('2030-06-01T08:00:00Z');
const DAY_MS = 24 * 3600 * 1000;

describe('invitations', () => {
  let platform: Platform;
  let owner: TestTenant;
  const clock = new ManualClock(START_MS);
  const inOrg = (t: TestTenant) => t.api.withHeaders({ 'x-dagy-org': owner.org_id });

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
    owner = await signUpTenant(platform.url, 'owner');
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  async function invite(email: string, role = 'developer', by: TestTenant = owner) {
    const res = await inOrg(by).post('/v1/members', { email, role });
    expect(res.status).toBe(201);
    return res.body as { invitation: { invitation_id: string; email: string; role: string; status: string; expires_at: string }; token: string; accept_path: string };
  }

  it('invite → the signed-up invitee is not a member until they accept; then they are, once', async () => {
    const invitee = await signUpTenant(platform.url, 'invitee');
    const issued = await invite(invitee.email.toUpperCase());
    expect(issued.token).toMatch(/^dagy_inv_[0-9a-f]{32}[a-z0-9]{12}[A-Za-z0-9_-]{43}$/);
    expect(issued.accept_path).toBe(`/v1/invitations/${issued.token}/accept`);
    expect(issued.invitation).toMatchObject({ email: invitee.email, role: 'developer', status: 'pending', expires_at: new Date(START_MS + 7 * DAY_MS).toISOString() });

    // Registered with the email, not a member: nothing of the organization is reachable.
    expect((await inOrg(invitee).get('/v1/org')).status).toBe(403);
    const listed = await owner.api.get('/v1/invitations');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { invitation_id: string }) => i.invitation_id)).toContain(issued.invitation.invitation_id);
    expect(JSON.stringify(listed.body)).not.toContain(issued.token.slice(-43));
    // Invitations are not members.
    const memberList = await owner.api.get('/v1/members');
    expect({ status: memberList.status, body: memberList.body }).toMatchObject({ status: 200 });
    expect(memberList.body.items.map((m: { user_id: string }) => m.user_id)).toEqual([owner.user_id]);
    // Only the token's hash is stored.
    const stored = JSON.stringify(await scanAll(platform, 'Membership'));
    expect(stored).toContain(issued.invitation.invitation_id);
    expect(stored).not.toContain(issued.token.slice(-43));

    const accepted = await invitee.api.post(issued.accept_path);
    expect(accepted.status).toBe(201);
    expect(accepted.body.member).toMatchObject({ org_id: owner.org_id, user_id: invitee.user_id, role: 'developer' });
    expect((await inOrg(invitee).get('/v1/me')).body.role).toBe('developer');
    expect((await invitee.api.post(issued.accept_path)).status).toBe(404);
    // The token in the path is a credential: access logs keep the path masked.
    const logs = await invitee.api.withHeaders({ 'x-dagy-org': invitee.org_id }).get('/v1/access-logs');
    const acceptLog = logs.body.items.find((l: { route: string }) => l.route === 'POST /v1/invitations/{token}/accept');
    expect(acceptLog).toMatchObject({ path: '/v1/invitations/***/accept' });
    expect(JSON.stringify(logs.body)).not.toContain(issued.token.slice(-43));
    expect((await owner.api.get('/v1/invitations')).body.items.map((i: { invitation_id: string }) => i.invitation_id)).not.toContain(issued.invitation.invitation_id);

    const audit = await auditRecords(platform, owner.org_id);
    expect(audit.find((r) => r.resource_type === 'invitation' && r.action === 'create' && r.resource_id === issued.invitation.invitation_id)).toMatchObject({ actor_email: owner.email });
    const joined = audit.find((r) => r.resource_type === 'member' && r.action === 'create' && r.resource_id === invitee.user_id);
    expect(joined).toMatchObject({ actor_email: invitee.email });
    expect(JSON.parse(String(joined!.after_json))).toMatchObject({ invitation_id: issued.invitation.invitation_id, role: 'developer' });
  });

  it('another signed-in user holding the token gets 403, an API key 400, junk 404; the invitation stays pending', async () => {
    const intended = await signUpTenant(platform.url, 'intended');
    const mallory = await signUpTenant(platform.url, 'mallory');
    const issued = await invite(intended.email, 'viewer');
    const stolen = await mallory.api.post(issued.accept_path);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('another email') });
    expect((await inOrg(mallory).get('/v1/org')).status).toBe(403);
    const key = await owner.api.post('/v1/api-keys', { name: 'k', role: 'admin' });
    expect((await apiClient(platform.url, { authorization: `Bearer ${key.body.secret}` }).post(issued.accept_path)).status).toBe(400);
    expect((await intended.api.post(`/v1/invitations/${issued.token.slice(0, -1)}x/accept`)).status).toBe(404);
    expect((await intended.api.post('/v1/invitations/not-a-token/accept')).status).toBe(404);
    expect((await apiClient(platform.url).post(issued.accept_path)).status).toBe(401);
    expect((await intended.api.post(issued.accept_path)).status).toBe(201);
  });

  it('a revoked invitation is a 404 to accept and to revoke again; audited', async () => {
    const invitee = await signUpTenant(platform.url, 'revoked');
    const issued = await invite(invitee.email);
    const revoked = await owner.api.delete(`/v1/invitations/${issued.invitation.invitation_id}`);
    expect(revoked.status).toBe(204);
    expect((await invitee.api.post(issued.accept_path)).status).toBe(404);
    expect((await owner.api.delete(`/v1/invitations/${issued.invitation.invitation_id}`)).status).toBe(404);
    expect((await owner.api.delete('/v1/invitations/inv_nothere12345')).status).toBe(404);
    const audit = await auditRecords(platform, owner.org_id);
    expect(audit.find((r) => r.resource_type === 'invitation' && r.action === 'delete' && r.resource_id === issued.invitation.invitation_id)).toBeDefined();
  });

  it('an invitee without an account yet signs up with the email, then accepts', async () => {
    const email = `later-${Date.now()}@example.com`;
    const issued = await invite(email, 'viewer');
    const res = await apiClient(platform.url).post('/v1/auth/signup', { email, password: 'correct-horse-later-battery', name: 'Later', org_name: 'Later org' });
    expect(res.status).toBe(201);
    const later = apiClient(platform.url, { authorization: `Bearer ${res.body.access_token.token}` });
    expect((await later.post(issued.accept_path)).status).toBe(201);
  });

  it('a role above the inviter’s is refused (403), and admins cannot revoke an owner invitation', async () => {
    const admin = await addMember(platform.url, owner, 'admin', 'inviter-admin');
    const target = await signUpTenant(platform.url, 'target');
    const asOwner = await admin.inOrg.post('/v1/members', { email: target.email, role: 'owner' });
    expect(asOwner.status).toBe(403);
    expect(asOwner.body.error.code).toBe('forbidden');
    const ownerInvite = await invite(target.email, 'owner');
    expect((await admin.inOrg.delete(`/v1/invitations/${ownerInvite.invitation.invitation_id}`)).status).toBe(403);
    const developer = await addMember(platform.url, owner, 'developer', 'not-a-manager');
    expect((await developer.inOrg.post('/v1/members', { email: target.email, role: 'viewer' })).status).toBe(403);
    expect((await developer.inOrg.get('/v1/invitations')).status).toBe(403);
    // Already a member: 409.
    expect((await owner.api.post('/v1/members', { email: admin.email, role: 'viewer' })).status).toBe(409);
  });

  it('expires after 7 days: listed as expired, accepting answers 404', async () => {
    const invitee = await signUpTenant(platform.url, 'slow');
    const issued = await invite(invitee.email, 'viewer');
    clock.advance(7 * DAY_MS + 1000);
    // The invitee's access token of a week ago has expired too: sign in again.
    const login = await apiClient(platform.url).post('/v1/auth/login', { email: invitee.email, password: invitee.password });
    expect(login.status).toBe(200);
    const fresh = apiClient(platform.url, { authorization: `Bearer ${login.body.access_token.token}` });
    expect((await fresh.post(issued.accept_path)).status).toBe(404);
    const ownerLogin = await apiClient(platform.url).post('/v1/auth/login', { email: owner.email, password: owner.password });
    const ownerApi = apiClient(platform.url, { authorization: `Bearer ${ownerLogin.body.access_token.token}` });
    const listed = await ownerApi.get('/v1/invitations');
    expect(listed.body.items.find((i: { invitation_id: string }) => i.invitation_id === issued.invitation.invitation_id)).toMatchObject({ status: 'expired' });
  });
});
