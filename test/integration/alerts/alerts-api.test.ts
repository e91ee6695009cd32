import type { Platform } from '../../../local/platform';
import { addMember, signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { auditRecords, scanAll } from '../../support/tables';

// The notification channels and alert rules API on a platform WITHOUT the loopback flag (so
// http://127.0.0.1 is refused as in AWS): validation with field paths and nothing half-written,
// credentials sealed and masked, another organization's channels invisible, roles, audit, paging.
describe('notification channels and alert rules API', () => {
  let platform: Platform;
  let alice: TestTenant;
  let bob: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'alice'), signUpTenant(platform.url, 'bob')]);
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const paths = (body: { error: { details: Array<{ path: string }> } }) => body.error.details.map((d) => d.path);
  const channelItems = async () => (await scanAll(platform, 'NotificationChannel')).filter((i) => i.org_id === alice.org_id);
  const ruleItems = async () => (await scanAll(platform, 'AlertRule')).filter((i) => i.org_id === alice.org_id);

  async function emailChannel(tenant: TestTenant, name = 'mail'): Promise<string> {
    const res = await tenant.api.post('/v1/notification-channels', { name, channel_type: 'email', config: { to: ['ops@example.com'] } });
    expect(res.status).toBe(201);
    return res.body.channel_id;
  }

  it('rejects bad channels with field paths and writes nothing', async () => {
    const before = (await channelItems()).length;
    const unknownType = await alice.api.post('/v1/notification-channels', { name: 'x', channel_type: 'pager', config: {} });
    expect(unknownType.status).toBe(400);
    expect(paths(unknownType.body)).toEqual(['channel_type']);

    for (const url of ['http://hooks.example.com/x', 'http://127.0.0.1:9/hook', 'ftp://example.com/x']) {
      const res = await alice.api.post('/v1/notification-channels', { name: 'x', channel_type: 'webhook', config: { url } });
      expect(res.status).toBe(400);
      expect(paths(res.body)).toEqual(['config.url']);
    }
    const badEmail = await alice.api.post('/v1/notification-channels', { name: 'x', channel_type: 'email', config: { to: ['not-an-address'] } });
    expect(paths(badEmail.body)).toEqual(['config.to[0]']);
    const badTopic = await alice.api.post('/v1/notification-channels', { name: 'x', channel_type: 'sns', config: { topic_arn: 'arn:aws:sns:us-east-1:123456789012:someone-elses' } });
    expect(paths(badTopic.body)).toEqual(['config.topic_arn']);
    const extra = await alice.api.post('/v1/notification-channels', { name: 'x', channel_type: 'slack', config: { url: 'https://hooks.slack.com/services/T/B/x', channel: '#ops' } });
    expect(paths(extra.body)).toEqual(['config.channel']);
    expect(await channelItems()).toHaveLength(before);
    expect((await auditRecords(platform, alice.org_id)).filter((r) => r.resource_type === 'notification_channel')).toHaveLength(0);
  });

  it('stores credential-bearing URLs sealed and shows them masked; the signing secret only once', async () => {
    const token = 'xoxb-very-secret-token-123';
    const slack = await alice.api.post('/v1/notification-channels', { name: 'slack', channel_type: 'slack', config: { url: `https://hooks.slack.com/services/T000/B000/${token}` } });
    expect(slack.status).toBe(201);
    expect(slack.body.config).toEqual({ url: 'https://hooks.slack.com/***', url_masked: true });
    const hook = await alice.api.post('/v1/notification-channels', { name: 'hook', channel_type: 'webhook', config: { url: `https://example.com/alerts?token=${token}` } });
    expect(hook.status).toBe(201);
    expect(hook.body.signing_secret).toMatch(/^dagy_whsec_/);
    expect(hook.body.config).toEqual({ url: 'https://example.com/alerts?***', url_masked: true, signing_secret_set: true });
    const plain = await alice.api.post('/v1/notification-channels', { name: 'plain', channel_type: 'webhook', config: { url: 'https://example.com/alerts' } });
    expect(plain.body.config).toEqual({ url: 'https://example.com/alerts', url_masked: false, signing_secret_set: true });

    const got = await alice.api.get(`/v1/notification-channels/${hook.body.channel_id}`);
    expect(got.status).toBe(200);
    expect(got.body.signing_secret).toBeUndefined();
    expect(got.body.config.url).toBe('https://example.com/alerts?***');
    // At rest: neither the token nor the signing secret in clear, anywhere in the table or the audit log.
    const raw = JSON.stringify(await scanAll(platform, 'NotificationChannel')) + JSON.stringify(await auditRecords(platform, alice.org_id));
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(hook.body.signing_secret);

    // A PATCH of the name keeps the sealed URL and the signing secret.
    const renamed = await alice.api.patch(`/v1/notification-channels/${hook.body.channel_id}`, { name: 'renamed' }, { 'if-match': '"1"' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'renamed', version: 2, config: { url: 'https://example.com/alerts?***', signing_secret_set: true } });
    const stale = await alice.api.patch(`/v1/notification-channels/${hook.body.channel_id}`, { enabled: false }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const badPatch = await alice.api.patch(`/v1/notification-channels/${hook.body.channel_id}`, { config: { url: 'http://example.com/x' } });
    expect(badPatch.status).toBe(400);
    expect(paths(badPatch.body)).toEqual(['config.url']);
  });

  it('rejects bad rules with field paths; a channel of another organization is a 404 naming the field; nothing written', async () => {
    const mine = await emailChannel(alice, 'mine');
    const theirs = await emailChannel(bob, 'theirs');
    const before = (await ruleItems()).length;
    const audits = (await auditRecords(platform, alice.org_id)).length;

    const foreign = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_failed', channel_ids: [mine, theirs] });
    expect(foreign.status).toBe(404);
    expect(paths(foreign.body)).toEqual(['channel_ids[1]']);

    const negative = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'consecutive_failures', threshold: -1, channel_ids: [mine] });
    expect(negative.status).toBe(400);
    expect(paths(negative.body)).toEqual(['threshold']);
    const negativeThrottle = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_failed', throttle_minutes: -5, channel_ids: [mine] });
    expect(paths(negativeThrottle.body)).toEqual(['throttle_minutes']);
    const noSla = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_duration_exceeded', channel_ids: [mine] });
    expect(noSla.status).toBe(400);
    expect(paths(noSla.body)).toEqual(['sla_seconds']);
    const misplaced = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_failed', threshold: 3, channel_ids: [mine] });
    expect(paths(misplaced.body)).toEqual(['threshold']);
    const unknown = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_exploded', channel_ids: [mine], filters: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(paths(unknown.body).sort()).toEqual(['condition', 'filters.colour']);
    const none = await alice.api.post('/v1/alert-rules', { name: 'r', condition: 'run_failed', channel_ids: [] });
    expect(paths(none.body)).toEqual(['channel_ids']);

    expect(await ruleItems()).toHaveLength(before);
    expect(await auditRecords(platform, alice.org_id)).toHaveLength(audits);
    // Bob cannot see or test Alice's channel, nor read its deliveries.
    expect((await bob.api.get(`/v1/notification-channels/${mine}`)).status).toBe(404);
    expect((await bob.api.get(`/v1/notification-channels/${mine}/deliveries`)).status).toBe(404);
    expect((await bob.api.post(`/v1/notification-channels/${mine}/test`)).status).toBe(404);
  });

  it('creates, changes and deletes rules with an audit record each; a channel in use cannot be deleted', async () => {
    const channel = await emailChannel(alice, 'in-use');
    const created = await alice.api.post('/v1/alert-rules', {
      name: 'streak',
      condition: 'consecutive_failures',
      threshold: 3,
      scope: 'deployment',
      filters: { environment: 'production', tags: { team: 'data' } },
      channel_ids: [channel],
      throttle_minutes: 15,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ condition: 'consecutive_failures', threshold: 3, scope: 'deployment', enabled: true, last_fired_at: null, version: 1 });
    const ruleId = created.body.rule_id;
    const inUse = await alice.api.delete(`/v1/notification-channels/${channel}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('channel_in_use');

    const patched = await alice.api.patch(`/v1/alert-rules/${ruleId}`, { threshold: 5, enabled: false });
    expect(patched.body).toMatchObject({ threshold: 5, enabled: false, version: 2 });
    const badPatch = await alice.api.patch(`/v1/alert-rules/${ruleId}`, { sla_seconds: 60 });
    expect(badPatch.status).toBe(400);
    expect(paths(badPatch.body)).toEqual(['sla_seconds']);
    expect((await alice.api.delete(`/v1/alert-rules/${ruleId}`)).status).toBe(204);
    expect((await alice.api.get(`/v1/alert-rules/${ruleId}`)).status).toBe(404);
    expect((await alice.api.delete(`/v1/notification-channels/${channel}`)).status).toBe(204);

    const trail = (await auditRecords(platform, alice.org_id)).filter((r) => r.resource_id === ruleId || r.resource_id === channel).map((r) => `${r.resource_type}:${r.action}`);
    expect(trail.sort()).toEqual(['alert_rule:create', 'alert_rule:delete', 'alert_rule:update', 'notification_channel:create', 'notification_channel:delete'].sort());
  });

  it('enabled SLA rules, and only those, are on the sla-rules index', async () => {
    const channel = await emailChannel(alice, 'sla');
    const sla = await alice.api.post('/v1/alert-rules', { name: 'sla', condition: 'run_duration_exceeded', sla_seconds: 600, channel_ids: [channel] });
    const other = await alice.api.post('/v1/alert-rules', { name: 'failed', condition: 'run_failed', channel_ids: [channel] });
    const item = async (id: string) => (await ruleItems()).find((i) => i.rule_id === id)!;
    expect((await item(sla.body.rule_id)).sla_shard).toMatch(/^shard-\d$/);
    expect((await item(other.body.rule_id)).sla_shard).toBeUndefined();
    await alice.api.patch(`/v1/alert-rules/${sla.body.rule_id}`, { enabled: false });
    expect((await item(sla.body.rule_id)).sla_shard).toBeUndefined();
  });

  it('viewers read, only admins change', async () => {
    const viewer = await addMember(platform.url, alice, 'viewer');
    const developer = await addMember(platform.url, alice, 'developer');
    expect((await viewer.inOrg.get('/v1/notification-channels')).status).toBe(200);
    expect((await viewer.inOrg.get('/v1/alert-rules')).status).toBe(200);
    const body = { name: 'x', channel_type: 'email', config: { to: ['a@example.com'] } };
    expect((await viewer.inOrg.post('/v1/notification-channels', body)).status).toBe(403);
    expect((await developer.inOrg.post('/v1/notification-channels', body)).status).toBe(403);
    const admin = await addMember(platform.url, alice, 'admin');
    expect((await admin.inOrg.post('/v1/notification-channels', body)).status).toBe(201);
  });

  it('lists page with limit and an opaque cursor, own organization only', async () => {
    for (let i = 0; i < 3; i++) await emailChannel(bob, `page-${i}`);
    const first = await bob.api.get('/v1/notification-channels?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await bob.api.get(`/v1/notification-channels?limit=100&cursor=${first.body.next_cursor}`);
    const all = [...first.body.items, ...rest.body.items];
    expect(all.every((c: { org_id: string }) => c.org_id === bob.org_id)).toBe(true);
    expect(new Set(all.map((c: { channel_id: string }) => c.channel_id)).size).toBe(all.length);
    // A cursor of another organization's list is rejected, not followed.
    expect((await alice.api.get(`/v1/notification-channels?cursor=${first.body.next_cursor}`)).status).toBe(400);
  });
});
