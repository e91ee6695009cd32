// S3 sensors (objects put into s3rver → EventBridge "Object Created" → s3-sensor) and polling
// sensors (sensor-poller against a local HTTP endpoint and the ingest bucket).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import type { BusEvent } from '../../../local/event-bus';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { listRuns, recordExecutions, registerFlow } from '../scheduling/api-support';

// The real time (whole minutes): s3rver stamps objects with it, and "new objects" of an
// s3_prefix sensor are those modified after the sensor was created.
const START = Math.floor(Date.now() / 60_000) * 60_000;

describe('s3 and polling sensors', () => {
  let platform: Platform;
  let alice: TestTenant;
  let bob: TestTenant;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock, allowLoopbackEgress: true });
    recordExecutions(platform);
    [alice, bob] = await Promise.all([signUpTenant(platform.url, 'alice'), signUpTenant(platform.url, 'bob')]);
    await Promise.all([registerFlow(alice), registerFlow(bob)]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const ingest = () => platform.resources.buckets.ingest;
  const runsOf = async (tenant: TestTenant, sensorId: string) => (await listRuns(tenant)).filter((r) => r.trigger.id === sensorId);

  async function createSensor(tenant: TestTenant, sensor_type: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await tenant.api.post('/v1/sensors', { name: `${sensor_type} sensor`, sensor_type, flow_name: 'etl', flow_version: '1.0.0', config, ...extra });
    if (res.status !== 201) throw new Error(`create sensor: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.sensor_id as string;
  }

  /** Puts an object into s3rver and waits for its Object Created event to be delivered. */
  async function putObject(key: string, body: string): Promise<BusEvent> {
    await platform.s3.send(new PutObjectCommand({ Bucket: ingest(), Key: key, Body: body }));
    const find = () => platform.bus.delivered.find((d) => d.event['detail-type'] === 'Object Created' && (d.event.detail as { object: { key: string } }).object.key === key && !seen.has(d.event.id));
    // s3rver emits the event as it answers the PUT; wait for it to reach the bus, then for the rule's target.
    while (find() === undefined) await new Promise((r) => setTimeout(r, 10));
    const event = find()!.event;
    seen.add(event.id);
    await platform.bus.drain();
    return event;
  }
  const seen = new Set<string>();

  describe('s3 sensors', () => {
    it('an object put into s3rver → one run with the object as parameters; the same event twice → still one', async () => {
      const sensorId = await createSensor(alice, 's3', { bucket: ingest(), prefix: 'incoming/', suffix: '.csv' }, { flow_params: { limit: 9 } });
      const key = `${alice.org_id}/incoming/2030-05-01.csv`;
      const event = await putObject(key, 'a,b\n1,2\n');
      const runs = await runsOf(alice, sensorId);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.parameters).toEqual({ limit: 9, bucket: ingest(), key, size: 8, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(runs[0]!.trigger).toEqual({ type: 'sensor', id: sensorId, slot: null });
      expect((await alice.api.get(`/v1/sensors/${sensorId}`)).body.last_triggered_at).not.toBeNull();

      // EventBridge delivers at least once: the same event again starts nothing new.
      const report = (await platform.invoke('s3-sensor', event)) as { matched: number; runs_created: number; runs_existing: number };
      expect(report).toMatchObject({ matched: 1, runs_created: 0, runs_existing: 1 });
      expect(await runsOf(alice, sensorId)).toHaveLength(1);

      // A new version of the object is a new run.
      await putObject(key, 'a,b\n3,4\n5,6\n');
      expect(await runsOf(alice, sensorId)).toHaveLength(2);
    });

    it('matches prefix and suffix inside the organization’s own folder only', async () => {
      const sensorId = await createSensor(alice, 's3', { bucket: ingest(), prefix: 'drop/', suffix: '.json' });
      await putObject(`${alice.org_id}/drop/x.txt`, '{}');
      await putObject(`${alice.org_id}/other/x.json`, '{}');
      await putObject(`drop/x.json`, '{}');
      await putObject(`${bob.org_id}/drop/x.json`, '{}');
      expect(await runsOf(alice, sensorId)).toEqual([]);
      await putObject(`${alice.org_id}/drop/x.json`, '{}');
      expect(await runsOf(alice, sensorId)).toHaveLength(1);
      // A disabled sensor is out of the bucket index: nothing fires.
      expect((await alice.api.patch(`/v1/sensors/${sensorId}`, { enabled: false })).status).toBe(200);
      await putObject(`${alice.org_id}/drop/y.json`, '{}');
      expect(await runsOf(alice, sensorId)).toHaveLength(1);
    });
  });

  describe('polling sensors', () => {
    let server: Server;
    let url: string;
    let state: unknown = { data: { state: 'pending', count: 1 } };
    let hits = 0;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(state));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const poll = () => platform.invoke('sensor-poller', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }) as Promise<{ claimed: number; fired: number }>;

    it('http equals: fires once when the condition becomes true, again only after it was false', async () => {
      clock.set(START + 3600_000);
      const sensorId = await createSensor(alice, 'polling', { kind: 'http', url, field: 'data.state', condition: 'equals', value: 'done', interval_seconds: 60 });
      await poll();
      expect(await runsOf(alice, sensorId)).toEqual([]);
      const polled = hits;
      await poll(); // not due again until its interval passed
      expect(hits).toBe(polled);

      state = { data: { state: 'done', count: 2 } };
      clock.advance(60_000);
      await poll();
      const runs = await runsOf(alice, sensorId);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.parameters).toEqual({ value: 'done', previous_value: 'pending' });
      clock.advance(60_000);
      await poll(); // still done: one change fires once
      expect(await runsOf(alice, sensorId)).toHaveLength(1);

      state = { data: { state: 'pending' } };
      clock.advance(60_000);
      await poll();
      state = { data: { state: 'done' } };
      clock.advance(60_000);
      await poll();
      expect(await runsOf(alice, sensorId)).toHaveLength(2);
      expect((await alice.api.get(`/v1/sensors/${sensorId}`)).body).toMatchObject({ last_poll_error: null, next_poll_at: new Date(clock.nowMs() + 60_000).toISOString() });
      await alice.api.patch(`/v1/sensors/${sensorId}`, { enabled: false });
    });

    it('http changed: the first poll sets the baseline; each change fires once; two pollers poll once', async () => {
      clock.set(START + 7200_000);
      state = { data: { count: 5 } };
      const sensorId = await createSensor(alice, 'polling', { kind: 'http', url, field: 'data.count', condition: 'changed', interval_seconds: 120 });
      await poll();
      expect(await runsOf(alice, sensorId)).toEqual([]);
      state = { data: { count: 6 } };
      clock.advance(120_000);
      const before = hits;
      const reports = await Promise.all([poll(), poll()]);
      expect(hits - before).toBe(1);
      expect(reports.map((r) => r.claimed).sort()).toEqual([0, 1]);
      const runs = await runsOf(alice, sensorId);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.parameters).toEqual({ value: 6, previous_value: 5 });
      clock.advance(120_000);
      await poll();
      expect(await runsOf(alice, sensorId)).toHaveLength(1);
      await alice.api.patch(`/v1/sensors/${sensorId}`, { enabled: false });
    });

    it('an unreachable endpoint is recorded as the poll error; the cursor stays', async () => {
      clock.set(START + 10_800_000);
      const sensorId = await createSensor(alice, 'polling', { kind: 'http', url: 'http://127.0.0.1:9/none', field: 'a', condition: 'changed', interval_seconds: 60 });
      await poll();
      const sensor = (await alice.api.get(`/v1/sensors/${sensorId}`)).body;
      expect(sensor.last_poll_error).toContain('GET http://127.0.0.1:9/none');
      expect(sensor.last_polled_at).toBe(new Date(clock.nowMs()).toISOString());
      await alice.api.patch(`/v1/sensors/${sensorId}`, { enabled: false });
    });

    it('s3_prefix: each new object under the prefix starts one run; listed again, none', async () => {
      clock.set(START - 60_000);
      const sensorId = await createSensor(alice, 'polling', { kind: 's3_prefix', prefix: 'batches/', interval_seconds: 60 });
      await putObject(`${alice.org_id}/batches/001.json`, '{"n":1}');
      await putObject(`${alice.org_id}/batches/002.json`, '{"n":2}');
      await putObject(`${bob.org_id}/batches/001.json`, '{"n":1}');
      clock.set(START);
      await poll();
      const runs = await runsOf(alice, sensorId);
      expect(runs.map((r) => r.parameters.key).sort()).toEqual([`${alice.org_id}/batches/001.json`, `${alice.org_id}/batches/002.json`]);
      clock.advance(60_000);
      await poll();
      expect(await runsOf(alice, sensorId)).toHaveLength(2);
      await putObject(`${alice.org_id}/batches/003.json`, '{"n":3}');
      clock.advance(60_000);
      await poll();
      const after = await runsOf(alice, sensorId);
      expect(after).toHaveLength(3);
      expect(after.find((r) => r.parameters.key === `${alice.org_id}/batches/003.json`)?.parameters).toMatchObject({ bucket: ingest(), size: 7 });
    });
  });
});
