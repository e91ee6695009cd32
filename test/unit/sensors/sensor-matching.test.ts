import { conditionHolds, fieldSegments } from '../../../lambdas/sensors/poller';
import { createServer, type Server } from 'node:http';
import { createJsonFetcher } from '../../../lambdas/sensors/http-probe';
import { objectVersionKey, s3SensorMatches, type S3ObjectDetail } from '../../../lambdas/sensors/s3-sensor';
import type { SensorRecord } from '../../../lambdas/sensors/sensor-record';
import type { HttpPollConfig } from '../../../lambdas/sensors/sensor-config';

const s3Sensor = (config: { bucket: string; prefix?: string; suffix?: string }): SensorRecord => ({
  org_id: 'org-1',
  sensor_id: 'sen_1',
  name: 's3',
  sensor_type: 's3',
  flow_name: 'etl',
  flow_version: '1',
  deployment_name: null,
  flow_params: {},
  config,
  enabled: true,
  webhook_token_hash: null,
  last_triggered_at: null,
  created_at: '',
  updated_at: '',
  version: 1,
  next_poll_epoch: null,
  poll_cursor: null,
  last_polled_at: null,
  last_poll_error: null,
});

describe('s3 sensor matching', () => {
  it('prefix under the organization folder, and suffix', () => {
    const sensor = s3Sensor({ bucket: 'b', prefix: 'in/', suffix: '.csv' });
    expect(s3SensorMatches(sensor, 'org-1/in/a.csv')).toBe(true);
    expect(s3SensorMatches(sensor, 'org-1/in/deep/a.csv')).toBe(true);
    expect(s3SensorMatches(sensor, 'org-1/in/a.json')).toBe(false);
    expect(s3SensorMatches(sensor, 'org-1/out/a.csv')).toBe(false);
    expect(s3SensorMatches(sensor, 'org-2/in/a.csv')).toBe(false);
    expect(s3SensorMatches(s3Sensor({ bucket: 'b' }), 'org-1/anything')).toBe(true);
    expect(s3SensorMatches(s3Sensor({ bucket: 'b' }), 'org-10/anything')).toBe(false);
  });

  it('one idempotency key per object version: the same event twice, the same key', () => {
    const event = (object: S3ObjectDetail['object']): S3ObjectDetail => ({ bucket: { name: 'b' }, object });
    const a = objectVersionKey('sen_1', event({ key: 'org-1/a', etag: 'e1', sequencer: '01' }));
    expect(objectVersionKey('sen_1', event({ key: 'org-1/a', etag: 'e1', sequencer: '01' }))).toBe(a);
    expect(objectVersionKey('sen_1', event({ key: 'org-1/a', etag: 'e1', sequencer: '02' }))).not.toBe(a);
    expect(objectVersionKey('sen_2', event({ key: 'org-1/a', etag: 'e1', sequencer: '01' }))).not.toBe(a);
    const v = objectVersionKey('sen_1', event({ key: 'org-1/a', etag: 'e1', sequencer: '01', 'version-id': 'v1' }));
    expect(objectVersionKey('sen_1', event({ key: 'org-1/a', etag: 'e9', sequencer: '09', 'version-id': 'v1' }))).toBe(v);
    expect(a.length).toBeLessThanOrEqual(255);
  });
});

describe('polling conditions', () => {
  const http = (condition: HttpPollConfig['condition'], value?: unknown): HttpPollConfig =>
    ({ kind: 'http', interval_seconds: 60, url: 'https://x', field: 'a', condition, ...(value === undefined ? {} : { value }) }) as HttpPollConfig;

  it('equals / not_equals compare JSON values; greater_than numbers only', () => {
    expect(conditionHolds(http('equals', 'done'), 'done')).toBe(true);
    expect(conditionHolds(http('equals', { a: 1, b: 2 }), { b: 2, a: 1 })).toBe(true);
    expect(conditionHolds(http('equals', 'done'), undefined)).toBe(false);
    expect(conditionHolds(http('not_equals', 'done'), 'pending')).toBe(true);
    expect(conditionHolds(http('greater_than', 10), 11)).toBe(true);
    expect(conditionHolds(http('greater_than', 10), 10)).toBe(false);
    expect(conditionHolds(http('greater_than', 10), '11')).toBe(false);
  });

  it('field paths: names and [n] indexes', () => {
    expect(fieldSegments('data.items[0].status')).toEqual(['data', 'items', '0', 'status']);
    expect(fieldSegments('a[1][2]')).toEqual(['a', '1', '2']);
  });
});

describe('poll targets (through the egress guard)', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"state":"done"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('refuses loopback in every spelling, private, link-local and unique-local addresses; nothing is sent', async () => {
    const fetchJson = createJsonFetcher({ allowLoopbackHttp: false });
    const urls = [
      `http://[::ffff:127.0.0.1]:${port}/`,
      `https://[::ffff:127.0.0.1]:${port}/`,
      `https://127.0.0.1:${port}/`,
      `https://2130706433:${port}/`,
      `https://[::1]:${port}/`,
      'https://10.1.2.3/',
      'https://172.16.0.1/',
      'https://192.168.1.1/',
      'https://169.254.169.254/',
      'https://0.0.0.0/',
      'https://100.64.0.1/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
    ];
    for (const url of urls) await expect(fetchJson(url, {})).rejects.toThrow(/^egress refused: /);
    expect(hits).toBe(0);
  });

  it('with the local platform\'s loopback flag, http://[::ffff:127.0.0.1]:PORT/ reaches the receiver', async () => {
    const fetchJson = createJsonFetcher({ allowLoopbackHttp: true });
    expect(await fetchJson(`http://[::ffff:127.0.0.1]:${port}/`, {})).toEqual({ data: { state: 'done' } });
    expect(hits).toBe(1);
    await expect(fetchJson('http://169.254.169.254/latest/meta-data/', {})).rejects.toThrow(/link-local/);
  });
});
