// The sensors API and the public webhook trigger on the local platform (real identity, flows and
// run starter; the run state machine replaced by a recorder), with an injected clock.
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { signWebhook } from '../../../lambdas/identity/webhook-signature';
import { sha256Hex } from '../../../lambdas/identity/tokens';
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { apiClient } from '../../support/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { listRuns, rawItem, recordExecutions, registerFlow } from '../scheduling/api-support';
import { documentClient, epoch } from '../scheduling/support';

// After the real time: DynamoDB Local's TTL sweeper deletes items whose expiry is in the real past.
const START = epoch('2030-05-01T09:00:00Z');
const SECRET = 'whsec-0123456789abcdef';
const NEW_SECRET = 'whsec-fedcba9876543210';

describe('sensors API and webhooks', () => {
  let platform: Platform;
  let alice: TestTenant;
  let bob: TestTenant;
  const clock = new ManualClock(START * 1000);
  const anonymous = () => apiClient(platform.url);
  const ingest = () => platform.resources.buckets.ingest;

  beforeAll(async () => {
    platform = await startTestPlatform({ clock, allowLoopbackEgress: true });
    recordExecutions(platform);
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'alice'), signUpTenant(platform.url, 'bob')]);
    await registerFlow(alice);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const target = { flow_name: 'etl', flow_version: '1.0.0' };

  async function createWebhook(config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
    const res = await alice.api.post('/v1/sensors', { name: 'hook', sensor_type: 'webhook', ...target, config, ...extra });
    if (res.status !== 201) throw new Error(`create webhook sensor: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { sensor_id: string; webhook_token: string; webhook_path: string };
  }

  function signed(body: string, at = Math.floor(clock.nowMs() / 1000), secret = SECRET) {
    return { 'content-type': 'application/json', 'x-dagy-timestamp': String(at), 'x-dagy-signature': `sha256=${signWebhook(secret, at, body)}` };
  }

  /** Signed with the delivery id in the material (the current scheme). */
  function delivered(body: string, delivery: string, secret = SECRET, at = Math.floor(clock.nowMs() / 1000)) {
    return {
      'content-type': 'application/json',
      'x-dagy-timestamp': String(at),
      'x-dagy-delivery': delivery,
      'x-dagy-signature': `sha256=${signWebhook(secret, at, body, delivery)}`,
    };
  }

  const runsOf = async (sensorId: string) => (await listRuns(alice)).filter((r) => r.trigger.id === sensorId);

  async function storedConfig(sensorId: string): Promise<Record<string, unknown>> {
    const item = await rawItem(platform, platform.resources.tables.Sensor, { pk: alice.org_id, sk: sensorId });
    return JSON.parse(String(item?.config_json)) as Record<string, unknown>;
  }

  describe('sensors', () => {
    it('creates each type; a webhook token is shown once and stored only as its hash', async () => {
      const hook = await createWebhook({ signing_secret: SECRET, rate_limit_per_minute: 5 }, { flow_params: { limit: 3 } });
      expect(hook.webhook_token).toMatch(/^dagy_wh_[A-Za-z0-9_-]{43}$/);
      expect(hook.webhook_path).toBe(`/v1/hooks/${hook.webhook_token}`);
      expect(hook).toMatchObject({ sensor_type: 'webhook', enabled: true, flow_params: { limit: 3 }, config: { rate_limit_per_minute: 5, signing_secret_set: true } });
      const got = await alice.api.get(`/v1/sensors/${hook.sensor_id}`);
      expect(got.status).toBe(200);
      expect(got.body.webhook_token).toBeUndefined();
      expect(JSON.stringify(got.body)).not.toContain(SECRET);
      expect(got.body.config_json).toBe(JSON.stringify(got.body.config));
      const item = await rawItem(platform, platform.resources.tables.Sensor, { pk: alice.org_id, sk: hook.sensor_id });
      expect(item?.webhook_token_hash).toBe(sha256Hex(hook.webhook_token));
      expect(JSON.stringify(item)).not.toContain(hook.webhook_token);
      // The signing secret is stored only envelope-encrypted.
      expect(JSON.stringify(item)).not.toContain(SECRET);
      const stored = await storedConfig(hook.sensor_id);
      expect(stored.signing_secret).toBeUndefined();
      expect(stored).toEqual({
        rate_limit_per_minute: 5,
        signing_secret_sealed: { encrypted_value: expect.any(String), encrypted_data_key: expect.any(String) },
      });
      const sealed = stored.signing_secret_sealed as { encrypted_value: string; encrypted_data_key: string };
      expect(JSON.stringify(got.body)).not.toContain(sealed.encrypted_value);
      expect(JSON.stringify(got.body)).not.toContain(sealed.encrypted_data_key);

      const s3 = await alice.api.post('/v1/sensors', { name: 'csv', sensor_type: 's3', ...target, config: { bucket: ingest(), prefix: 'incoming/', suffix: '.csv' } });
      expect(s3.status).toBe(201);
      expect(s3.body.webhook_token).toBeUndefined();
      const poll = await alice.api.post('/v1/sensors', {
        name: 'status',
        sensor_type: 'polling',
        ...target,
        config: { kind: 'http', url: 'https://status.example.com/api', field: 'data.state', condition: 'equals', value: 'done', interval_seconds: 300 },
      });
      expect(poll.status).toBe(201);
      expect(poll.body).toMatchObject({ next_poll_at: new Date(START * 1000).toISOString(), last_polled_at: null });
      const list = await alice.api.get('/v1/sensors');
      expect(list.body.items.map((s: { sensor_type: string }) => s.sensor_type).sort()).toEqual(['polling', 's3', 'webhook']);
      const audit = await alice.api.get(`/v1/audit-logs?resource_type=sensor&resource_id=${hook.sensor_id}`);
      expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['create']);
      expect(JSON.stringify(audit.body)).not.toContain(SECRET);
      expect(JSON.stringify(audit.body)).not.toContain(sealed.encrypted_value);
      expect(JSON.stringify(audit.body)).not.toContain(sealed.encrypted_data_key);
    });

    it('refuses a configuration missing its type’s fields (and other bad input) with 400 and the paths', async () => {
      const before = (await alice.api.get('/v1/sensors?limit=100')).body.items.length;
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{ name: 'x', sensor_type: 's3', ...target, config: {} }, ['config.bucket']],
        [{ name: 'x', sensor_type: 's3', ...target, config: { bucket: 'someone-elses-bucket' } }, ['config.bucket']],
        [{ name: 'x', sensor_type: 'polling', ...target, config: { kind: 'http', interval_seconds: 60 } }, ['config.condition', 'config.field', 'config.url']],
        [{ name: 'x', sensor_type: 'polling', ...target, config: { kind: 'http', url: 'ftp://x', field: 'a', condition: 'equals', interval_seconds: 30 } }, ['config.interval_seconds', 'config.url', 'config.value']],
        [{ name: 'x', sensor_type: 'polling', ...target, config: { kind: 's3_prefix', interval_seconds: 60 } }, ['config.prefix']],
        [{ name: 'x', sensor_type: 'polling', ...target, config: { interval_seconds: 60 } }, ['config.kind']],
        [{ name: 'x', sensor_type: 'webhook', ...target, config: { signing_secret: 'short', colour: 'red' } }, ['config.colour', 'config.signing_secret']],
        [{ name: 'x', sensor_type: 'radar', ...target, config: {} }, ['sensor_type']],
        [{ name: 'x', sensor_type: 'webhook', config: {} }, ['flow_name', 'flow_version']],
        [{ name: 'x', sensor_type: 'webhook', flow_name: 'etl', flow_version: '7.0.0', config: {} }, ['flow_version']],
      ];
      for (const [body, paths] of cases) {
        const res = await alice.api.post('/v1/sensors', body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect({ body, paths: res.body.error.details.map((d: { path: string }) => d.path).sort() }).toEqual({ body, paths });
      }
      expect((await alice.api.get('/v1/sensors?limit=100')).body.items.length).toBe(before);
    });

    it("answers 404 for another organization's sensor", async () => {
      const hook = await createWebhook();
      for (const res of [
        await bob.api.get(`/v1/sensors/${hook.sensor_id}`),
        await bob.api.patch(`/v1/sensors/${hook.sensor_id}`, { enabled: false }),
        await bob.api.delete(`/v1/sensors/${hook.sensor_id}`),
      ]) {
        expect(res.status).toBe(404);
      }
      expect((await alice.api.get(`/v1/sensors/${hook.sensor_id}`)).body.enabled).toBe(true);
    });

    it('updates (If-Match), rotates a webhook token, deletes', async () => {
      const hook = await createWebhook();
      const off = await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { enabled: false, name: 'renamed' }, { 'if-match': '"1"' });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, name: 'renamed', version: 2 });
      expect((await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { enabled: true }, { 'if-match': '"1"' })).status).toBe(412);
      const bad = await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { config: { rate_limit_per_minute: 0 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('config.rate_limit_per_minute');
      const rotated = await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { enabled: true, rotate_webhook_token: true });
      expect(rotated.status).toBe(200);
      expect(rotated.body.webhook_token).toMatch(/^dagy_wh_/);
      expect(rotated.body.webhook_token).not.toBe(hook.webhook_token);
      expect((await anonymous().post(`/v1/hooks/${hook.webhook_token}`, {})).status).toBe(404);
      expect((await anonymous().post(`/v1/hooks/${rotated.body.webhook_token}`, {})).status).toBe(202);
      expect((await alice.api.delete(`/v1/sensors/${hook.sensor_id}`)).status).toBe(204);
      expect((await alice.api.get(`/v1/sensors/${hook.sensor_id}`)).status).toBe(404);
      expect((await anonymous().post(`/v1/hooks/${rotated.body.webhook_token}`, {})).status).toBe(404);
    });
  });

  describe('webhooks', () => {
    it('bad token → 404; disabled sensor → 404', async () => {
      expect((await anonymous().post('/v1/hooks/not-a-token', {})).status).toBe(404);
      expect((await anonymous().post(`/v1/hooks/dagy_wh_${'A'.repeat(43)}`, {})).status).toBe(404);
      const hook = await createWebhook({}, { enabled: false });
      const res = await anonymous().post(`/v1/hooks/${hook.webhook_token}`, { day: '2030-05-01' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(await runsOf(hook.sensor_id)).toEqual([]);
    });

    it('valid call → a run with the JSON body as parameters (over the sensor’s flow_params)', async () => {
      const hook = await createWebhook({}, { flow_params: { limit: 3, day: '2000-01-01' } });
      const res = await anonymous().post(`/v1/hooks/${hook.webhook_token}`, { day: '2030-05-01' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ sensor_id: hook.sensor_id, created: true });
      // Created QUEUED; its execution's Start step may have moved it on before the answer.
      expect(['QUEUED', 'RUNNING']).toContain(res.body.status);
      const runs = await runsOf(hook.sensor_id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ run_id: res.body.run_id, parameters: { day: '2030-05-01', limit: 3 }, trigger: { type: 'sensor', id: hook.sensor_id } });
      expect((await alice.api.get(`/v1/sensors/${hook.sensor_id}`)).body.last_triggered_at).toBe(new Date(clock.nowMs()).toISOString());
      // The run's creation is audited with the caller's address.
      const audit = await alice.api.get(`/v1/audit-logs?resource_type=run&resource_id=${res.body.run_id}`);
      expect(audit.body.items[0]).toMatchObject({ action: 'create', ip_address: '127.0.0.1' });
      await platform.bus.drain();
      expect(platform.bus.delivered.some((d) => d.event['detail-type'] === 'Sensor Fired' && (d.event.detail as { run_id: string }).run_id === res.body.run_id)).toBe(true);
    });

    it('parameters are validated like any run’s: 400 with the paths, no run', async () => {
      const hook = await createWebhook();
      const res = await anonymous().post(`/v1/hooks/${hook.webhook_token}`, { day: 'yesterday', limit: 0 });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['parameters.day', 'parameters.limit']);
      const notObject = await anonymous().post(`/v1/hooks/${hook.webhook_token}`, [1, 2]);
      expect(notObject.status).toBe(400);
      const tooBig = await anonymous().post(`/v1/hooks/${hook.webhook_token}`, { blob: 'x'.repeat(257 * 1024) });
      expect(tooBig.status).toBe(413);
      expect(await runsOf(hook.sensor_id)).toEqual([]);
    });

    it('signed sensor: bad or missing signature → 401; replay inside the window → no second run; outside → 401', async () => {
      const hook = await createWebhook({ signing_secret: SECRET });
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-01' });
      expect((await anonymous().post(path, body, { 'content-type': 'application/json' })).status).toBe(401);
      expect((await anonymous().post(path, body, signed(body, undefined, 'whsec-the-wrong-secret!'))).status).toBe(401);
      const tampered = signed(body);
      expect((await anonymous().post(path, JSON.stringify({ day: '2030-05-02' }), tampered)).status).toBe(401);

      const headers = signed(body);
      const first = await anonymous().post(path, body, headers);
      expect(first.status).toBe(202);
      // The same request again (a replay inside the 300 s window): the same run, no second.
      clock.advance(120_000);
      const replay = await anonymous().post(path, body, headers);
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotency-replayed')).toBe('true');
      expect(replay.body.run_id).toBe(first.body.run_id);
      // Outside the window: refused.
      clock.advance(200_000);
      const late = await anonymous().post(path, body, headers);
      expect(late.status).toBe(401);
      expect(late.body.error.message).toContain('timestamp-out-of-tolerance');
      expect(await runsOf(hook.sensor_id)).toHaveLength(1);
    });

    it('rotating the signing secret (PATCH config): the old signature fails, the new one verifies', async () => {
      const hook = await createWebhook({ signing_secret: SECRET, rate_limit_per_minute: 50 });
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-04' });
      expect((await anonymous().post(path, body, delivered(body, 'rot-1'))).status).toBe(202);
      const before = await storedConfig(hook.sensor_id);

      const rotated = await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { config: { signing_secret: NEW_SECRET, rate_limit_per_minute: 50 } });
      expect(rotated.status).toBe(200);
      expect(rotated.body.config).toEqual({ rate_limit_per_minute: 50, signing_secret_set: true });
      const after = await storedConfig(hook.sensor_id);
      expect(JSON.stringify(after)).not.toContain(NEW_SECRET);
      expect(after.signing_secret_sealed).toEqual({ encrypted_value: expect.any(String), encrypted_data_key: expect.any(String) });
      expect(after.signing_secret_sealed).not.toEqual(before.signing_secret_sealed);

      // The old secret's signature (even for a fresh delivery) is refused; the new one verifies.
      const old = await anonymous().post(path, body, delivered(body, 'rot-2'));
      expect(old.status).toBe(401);
      expect(old.body.error.message).toContain('signature');
      const fresh = await anonymous().post(path, body, delivered(body, 'rot-2', NEW_SECRET));
      expect(fresh.status).toBe(202);
      expect(await runsOf(hook.sensor_id)).toHaveLength(2);

      // Neither secret, plain or sealed, reaches the audit log.
      const audit = JSON.stringify((await alice.api.get(`/v1/audit-logs?resource_type=sensor&resource_id=${hook.sensor_id}`)).body);
      for (const value of [SECRET, NEW_SECRET, ...Object.values({ ...(before.signing_secret_sealed as object), ...(after.signing_secret_sealed as object) })]) {
        expect(audit).not.toContain(value);
      }
    });

    it('a sensor stored before sealing (plain signing_secret) still verifies; its next PATCH seals it', async () => {
      const hook = await createWebhook();
      const key = { pk: alice.org_id, sk: hook.sensor_id };
      await documentClient(platform).send(
        new UpdateCommand({
          TableName: platform.resources.tables.Sensor,
          Key: key,
          UpdateExpression: 'SET config_json = :c',
          ExpressionAttributeValues: { ':c': JSON.stringify({ signing_secret: SECRET }) },
        }),
      );
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-05' });
      expect((await alice.api.get(`/v1/sensors/${hook.sensor_id}`)).body.config).toEqual({ signing_secret_set: true });
      expect((await anonymous().post(path, body, delivered(body, 'leg-1', NEW_SECRET))).status).toBe(401);
      expect((await anonymous().post(path, body, delivered(body, 'leg-1'))).status).toBe(202);

      expect((await alice.api.patch(`/v1/sensors/${hook.sensor_id}`, { name: 'migrated' })).status).toBe(200);
      const stored = await storedConfig(hook.sensor_id);
      expect(stored.signing_secret).toBeUndefined();
      expect(stored.signing_secret_sealed).toEqual({ encrypted_value: expect.any(String), encrypted_data_key: expect.any(String) });
      expect(JSON.stringify(await rawItem(platform, platform.resources.tables.Sensor, key))).not.toContain(SECRET);
      expect((await anonymous().post(path, body, delivered(body, 'leg-2'))).status).toBe(202);
      expect(await runsOf(hook.sensor_id)).toHaveLength(2);
    });

    it('a reused delivery id starts no second run, even freshly signed', async () => {
      const hook = await createWebhook({ signing_secret: SECRET });
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-03' });
      const first = await anonymous().post(path, body, delivered(body, 'evt-1'));
      expect(first.status).toBe(202);
      clock.advance(1000);
      const again = await anonymous().post(path, body, delivered(body, 'evt-1'));
      expect(again.status).toBe(200);
      expect(again.body.run_id).toBe(first.body.run_id);
      const other = await anonymous().post(path, body, delivered(body, 'evt-2'));
      expect(other.status).toBe(202);
      expect(await runsOf(hook.sensor_id)).toHaveLength(2);
      const bad = await anonymous().post(path, body, delivered(body, 'no spaces allowed'));
      expect(bad.status).toBe(400);
    });

    it('a captured request replayed with another delivery id (or none) is refused: the delivery id is signed', async () => {
      const hook = await createWebhook({ signing_secret: SECRET, rate_limit_per_minute: 50 });
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-06' });
      const captured = delivered(body, 'cap-1');
      expect((await anonymous().post(path, body, captured)).status).toBe(202);
      clock.advance(5000);
      const changed = await anonymous().post(path, body, { ...captured, 'x-dagy-delivery': 'cap-2' });
      expect(changed.status).toBe(401);
      expect(changed.body.error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('signature-mismatch') });
      const viaIdempotencyKey = { ...captured, 'idempotency-key': 'cap-3' } as Record<string, string>;
      delete viaIdempotencyKey['x-dagy-delivery'];
      expect((await anonymous().post(path, body, viaIdempotencyKey)).status).toBe(401);
      const stripped = { ...captured } as Record<string, string>;
      delete stripped['x-dagy-delivery'];
      expect((await anonymous().post(path, body, stripped)).status).toBe(401);
      const replay = await anonymous().post(path, body, captured);
      expect(replay.status).toBe(200);
      expect(await runsOf(hook.sensor_id)).toHaveLength(1);
    });

    it('signed the first way (no delivery id in the material): an added delivery id is ignored, the signature keys the run', async () => {
      const hook = await createWebhook({ signing_secret: SECRET, rate_limit_per_minute: 50 });
      const path = `/v1/hooks/${hook.webhook_token}`;
      const body = JSON.stringify({ day: '2030-05-07' });
      const headers = signed(body);
      const first = await anonymous().post(path, body, { ...headers, 'x-dagy-delivery': 'old-1' });
      expect(first.status).toBe(202);
      for (const delivery of ['old-2', 'old-3']) {
        const replay = await anonymous().post(path, body, { ...headers, 'x-dagy-delivery': delivery });
        expect(replay.status).toBe(200);
        expect(replay.body.run_id).toBe(first.body.run_id);
      }
      expect(await runsOf(hook.sensor_id)).toHaveLength(1);
    });

    it('rate limit per sensor: N per minute, then 429 with Retry-After; the next minute accepts again', async () => {
      clock.set((START + 3600) * 1000); // on a minute boundary
      const hook = await createWebhook({ rate_limit_per_minute: 3 });
      const path = `/v1/hooks/${hook.webhook_token}`;
      for (let i = 0; i < 3; i++) expect((await anonymous().post(path, {})).status).toBe(202);
      clock.advance(20_000);
      const limited = await anonymous().post(path, {});
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('40');
      clock.advance(40_000);
      expect((await anonymous().post(path, {})).status).toBe(202);
      expect(await runsOf(hook.sensor_id)).toHaveLength(4);
      // Counters live under their own keys with a TTL, never in the organization's sensor list.
      const counters = await documentClient(platform).send(
        new QueryCommand({ TableName: platform.resources.tables.Sensor, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `${alice.org_id}#${hook.sensor_id}#rate` } }),
      );
      expect(counters.Items?.map((i) => [i.hits, typeof i.expires_at_epoch])).toEqual([
        [3, 'number'],
        [1, 'number'],
      ]);
    });
  });
});
