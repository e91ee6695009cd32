import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { addMember, auditRecords, type Member } from './helpers';

// The role matrix of the identity routes, through the HTTP API.
describe('identity: roles', () => {
  let platform: Platform;
  let owner: TestTenant;
  let admin: Member;
  let developer: Member;
  let viewer: Member;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'owner');
    [admin, developer, viewer] = await Promise.all([
      addMember(platform.url, owner, 'admin'),
      addMember(platform.url, owner, 'developer'),
      addMember(platform.url, owner, 'viewer'),
    ]);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('lets every member read the organization and its members', async () => {
    for (const m of [admin, developer, viewer]) {
      const org = await m.inOrg.get('/v1/org');
      expect(org.status).toBe(200);
      expect(org.body.organization.org_id).toBe(owner.org_id);
      const members = await m.inOrg.get('/v1/members');
      expect(members.status).toBe(200);
      expect(members.body.items).toHaveLength(4);
    }
  });

  it.each(['viewer', 'developer'] as const)('refuses every identity mutation and admin read to a %s', async (role) => {
    const m = role === 'viewer' ? viewer : developer;
    const attempts = [
      m.inOrg.patch('/v1/org', { name: 'renamed' }),
      m.inOrg.post('/v1/members', { email: 'someone@example.com', role: 'viewer' }),
      m.inOrg.patch(`/v1/members/${viewer.user_id}`, { role: 'developer' }),
      m.inOrg.delete(`/v1/members/${viewer.user_id}`),
      m.inOrg.post('/v1/api-keys', { name: 'k', role: 'viewer' }),
      m.inOrg.get('/v1/api-keys'),
      m.inOrg.delete('/v1/api-keys/key_whatever'),
      m.inOrg.get('/v1/access-logs'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  it('lets an admin manage members and keys but not the organization, owners or owner grants', async () => {
    expect((await admin.inOrg.patch('/v1/org', { name: 'x' })).status).toBe(403);
    const extra = await signUpTenant(platform.url, 'extra');
    const asOwner = await admin.inOrg.post('/v1/members', { email: extra.email, role: 'owner' });
    expect(asOwner.status).toBe(403);
    const invited = await admin.inOrg.post('/v1/members', { email: extra.email, role: 'viewer' });
    expect(invited.status).toBe(201);
    expect(invited.body.invitation).toMatchObject({ email: extra.email, role: 'viewer', org_id: owner.org_id, status: 'pending' });
    const added = await extra.api.post(invited.body.accept_path);
    expect(added.status).toBe(201);
    expect(added.body.member).toMatchObject({ user_id: extra.user_id, role: 'viewer', org_id: owner.org_id });
    expect((await admin.inOrg.patch(`/v1/members/${extra.user_id}`, { role: 'admin' })).status).toBe(200);
    expect((await admin.inOrg.patch(`/v1/members/${extra.user_id}`, { role: 'owner' })).status).toBe(403);
    expect((await admin.inOrg.patch(`/v1/members/${owner.user_id}`, { role: 'viewer' })).status).toBe(403);
    expect((await admin.inOrg.delete(`/v1/members/${owner.user_id}`)).status).toBe(403);
    expect((await admin.inOrg.delete(`/v1/members/${extra.user_id}`)).status).toBe(204);
    // The removed user's credential no longer reaches the organization, from the next request on.
    const gone = await extra.api.withHeaders({ 'x-dagy-org': owner.org_id }).get('/v1/org');
    expect(gone.status).toBe(403);
    expect((await admin.inOrg.get('/v1/access-logs')).status).toBe(200);
  });

  it('never creates an API key above its creator role', async () => {
    const tooHigh = await admin.inOrg.post('/v1/api-keys', { name: 'k', role: 'owner' });
    expect(tooHigh.status).toBe(403);
    const adminKey = await admin.inOrg.post('/v1/api-keys', { name: 'k', role: 'admin' });
    expect(adminKey.status).toBe(201);
    // A key acting as its creator is bound by the same rule.
    const keyApi = admin.api.withHeaders({ authorization: `Bearer ${adminKey.body.secret}` });
    expect((await keyApi.post('/v1/api-keys', { name: 'k2', role: 'owner' })).status).toBe(403);
    const child = await keyApi.post('/v1/api-keys', { name: 'k2', role: 'viewer' });
    expect(child.status).toBe(201);
    expect(child.body.api_key.created_by).toBe(admin.email);
    // A viewer key cannot mutate.
    const viewerKey = admin.api.withHeaders({ authorization: `Bearer ${child.body.secret}` });
    expect((await viewerKey.get('/v1/org')).status).toBe(200);
    expect((await viewerKey.post('/v1/api-keys', { name: 'k3', role: 'viewer' })).status).toBe(403);
    // An API key belongs to one organization: it cannot create another.
    expect((await keyApi.post('/v1/orgs', { name: 'other' })).status).toBe(403);
  });

  it("keeps a member's API keys within the member's role: capped on demotion, revoked on removal", async () => {
    const m = await addMember(platform.url, owner, 'admin', 'keyholder');
    const adminKey = await m.inOrg.post('/v1/api-keys', { name: 'admin key', role: 'admin' });
    const viewerKey = await m.inOrg.post('/v1/api-keys', { name: 'viewer key', role: 'viewer' });
    const asAdminKey = m.api.withHeaders({ authorization: `Bearer ${adminKey.body.secret}` });
    const asViewerKey = m.api.withHeaders({ authorization: `Bearer ${viewerKey.body.secret}` });
    expect((await asAdminKey.get('/v1/api-keys')).status).toBe(200);

    const demoted = await owner.api.patch(`/v1/members/${m.user_id}`, { role: 'developer' });
    expect(demoted.status).toBe(200);
    expect((await asAdminKey.get('/v1/api-keys')).status).toBe(403);
    expect((await asAdminKey.get('/v1/me')).body.role).toBe('developer');
    expect((await asViewerKey.get('/v1/me')).body.role).toBe('viewer');
    const audit = await auditRecords(platform, owner.org_id);
    const last = audit.filter((r) => r.resource_id === m.user_id && r.action === 'update').at(-1)!;
    expect(JSON.parse(String(last.after_json)).capped_keys).toEqual([adminKey.body.api_key.key_id]);

    expect((await owner.api.delete(`/v1/members/${m.user_id}`)).status).toBe(204);
    expect((await asAdminKey.get('/v1/me')).status).toBe(401);
    expect((await asViewerKey.get('/v1/me')).status).toBe(401);
  });

  it('takes a role change into account on the very next request', async () => {
    const m = await addMember(platform.url, owner, 'developer', 'promoted');
    expect((await m.inOrg.get('/v1/api-keys')).status).toBe(403);
    expect((await owner.api.patch(`/v1/members/${m.user_id}`, { role: 'admin' })).status).toBe(200);
    expect((await m.inOrg.get('/v1/api-keys')).status).toBe(200);
    expect((await owner.api.patch(`/v1/members/${m.user_id}`, { role: 'viewer' })).status).toBe(200);
    expect((await m.inOrg.get('/v1/api-keys')).status).toBe(403);
  });

  it('never removes or demotes the last owner, even the owner themselves', async () => {
    const solo = await signUpTenant(platform.url, 'solo');
    const demote = await solo.api.patch(`/v1/members/${solo.user_id}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    expect((await solo.api.delete(`/v1/members/${solo.user_id}`)).status).toBe(409);
    expect((await solo.api.get('/v1/me')).body.role).toBe('owner');

    // With a second owner, the first may step down; then the second is the last.
    const second = await addMember(platform.url, solo, 'owner', 'second');
    expect((await solo.api.patch(`/v1/members/${solo.user_id}`, { role: 'admin' })).status).toBe(200);
    expect((await second.inOrg.delete(`/v1/members/${second.user_id}`)).status).toBe(409);
    expect((await second.inOrg.patch(`/v1/members/${second.user_id}`, { role: 'developer' })).status).toBe(409);
    const members = await second.inOrg.get('/v1/members');
    const roles = Object.fromEntries(members.body.items.map((m: { user_id: string; role: string }) => [m.user_id, m.role]));
    expect(roles).toEqual({ [solo.user_id]: 'admin', [second.user_id]: 'owner' });
  });

  it('refuses concurrent demotions that would leave no owner', async () => {
    const org = await signUpTenant(platform.url, 'race');
    const other = await addMember(platform.url, org, 'owner', 'race2');
    const results = await Promise.all([
      org.api.patch(`/v1/members/${org.user_id}`, { role: 'admin' }),
      other.inOrg.patch(`/v1/members/${other.user_id}`, { role: 'admin' }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses[1]).toBe(409);
    const members = await org.api.withHeaders({ 'x-dagy-org': org.org_id }).get('/v1/members');
    expect(members.body.items.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
  });

  it('writes exactly one audit record per mutation', async () => {
    const org = await signUpTenant(platform.url, 'audited');
    const count = async () => (await auditRecords(platform, org.org_id)).length;
    expect(await count()).toBe(1); // the signup
    const user = await signUpTenant(platform.url, 'audited-member');
    let acceptPath = '';
    const steps: Array<() => Promise<{ status: number }>> = [
      async () => {
        const invited = await org.api.post('/v1/members', { email: user.email, role: 'viewer' });
        acceptPath = invited.body.accept_path;
        return invited;
      },
      () => user.api.post(acceptPath),
      () => org.api.patch(`/v1/members/${user.user_id}`, { role: 'developer' }),
      () => org.api.delete(`/v1/members/${user.user_id}`),
      () => org.api.patch('/v1/org', { name: 'Renamed' }),
    ];
    let expected = 1;
    for (const step of steps) {
      expect((await step()).status).toBeLessThan(300);
      expect(await count()).toBe(++expected);
    }
    const key = await org.api.post('/v1/api-keys', { name: 'audited', role: 'viewer' });
    expect(await count()).toBe(++expected);
    expect((await org.api.delete(`/v1/api-keys/${key.body.api_key.key_id}`)).status).toBe(204);
    expect(await count()).toBe(++expected);
    // A refused mutation writes nothing.
    expect((await org.api.delete(`/v1/members/${org.user_id}`)).status).toBe(409);
    expect(await count()).toBe(expected);
    const records = await auditRecords(platform, org.org_id);
    expect(records.map((r) => `${r.resource_type}:${r.action}`)).toEqual([
      'user:create',
      'invitation:create',
      'member:create',
      'member:update',
      'member:delete',
      'organization:update',
      'api_key:create',
      'api_key:delete',
    ]);
    // The owner invites; the member's creation is recorded as the invitee's own act (accepting).
    expect(records[1]).toMatchObject({ actor_email: org.email, resource_type: 'invitation' });
    expect(records[2]).toMatchObject({ actor_email: user.email, resource_id: user.user_id });
  });
});
