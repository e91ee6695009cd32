// HTTP tasks and polling sensors through the egress guard, end to end on the local platform:
// without the loopback flag (as in AWS) a loopback target is refused at registration when it is
// a literal address and fails the attempt (or the poll) when a name resolves there; with the
// flag a loopback receiver gets the templated secret, and neither the stored log nor the output
// carries it. Only loopback traffic: every refused request is refused before a socket opens.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Platform } from '../../../local/platform';
import { registerFlow, startExecutorFixture, startRun, taskLogs, taskRun, waitForRun, type ExecutorFixture } from './executors-support';

const SECRET = 'tok-9f8e7d6c5b4a';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function startReceiver(seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      // The receiver itself checks the credential, as a real API would.
      if (req.url?.startsWith('/status')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"done"}');
      else if (req.headers.authorization !== `Bearer ${SECRET}`) res.writeHead(401, { 'content-type': 'text/plain' }).end('bad credentials');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: true, day: new URL(req.url ?? '/', 'http://x').searchParams.get('day') }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

async function stopReceiver(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('egress guard, strict (the default, as in AWS)', () => {
  let fx: ExecutorFixture;
  let platform: Platform;
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];
  beforeAll(async () => {
    ({ server, port } = await startReceiver(seen));
    fx = await startExecutorFixture();
    platform = fx.platform;
  }, 60_000);
  afterAll(async () => {
    await fx?.platform.stop();
    await stopReceiver(server);
  });

  test('a literal loopback or metadata URL is a 400 at registration, with the field path', async () => {
    const res = await fx.api.post('/v1/flows', {
      flow_name: 'refused',
      flow_version: '1.0.0',
      flow_spec: {
        tasks: [
          { name: 'ok', type: 'http', request: { method: 'GET', url: 'https://api.example.com/' } },
          { name: 'loop', type: 'http', request: { method: 'GET', url: `http://127.0.0.1:${port}/` } },
          { name: 'mapped', type: 'http', request: { method: 'GET', url: `https://[::ffff:127.0.0.1]:${port}/` } },
          { name: 'meta', type: 'http', request: { method: 'GET', url: 'https://169.254.170.2/v2/credentials' } },
          { name: 'token', type: 'http', request: { method: 'GET', url: 'https://api.example.com/', headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}' } } },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'flow_spec.tasks[1].request.url', message: `egress refused: http://127.0.0.1:${port}: http is not allowed (https only)` },
      { path: 'flow_spec.tasks[2].request.url', message: `egress refused: https://[::ffff:7f00:1]:${port}: ::ffff:7f00:1 is an IPv6 form of 127.0.0.1, a loopback address` },
      { path: 'flow_spec.tasks[3].request.url', message: expect.stringMatching(/^egress refused: https:\/\/169\.254\.170\.2: 169\.254\.170\.2 is a link-local address/) },
      { path: 'flow_spec.tasks[4].request.headers.authorization', message: 'references secret API_TOKEN, which the task does not declare in its secrets' },
    ]);
    expect((await fx.api.get('/v1/flows/refused/versions')).status).toBe(404);
  });

  test('an HTTP task to a name that resolves to loopback fails the attempt with the guard’s reason', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'call', type: 'http', request: { method: 'GET', url: `https://localhost:${port}/api` }, timeout_seconds: 10 }] });
    const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor: 'lambda' })).run_id);
    expect(run.status).toBe('FAILED');
    expect(taskRun(run, 'call')).toMatchObject({ status: 'FAILED', error_message: expect.stringMatching(new RegExp(`^egress refused: https://localhost:${port}: localhost resolves to \\S+, a loopback address$`)) });
    expect(seen).toEqual([]);
  }, 60_000);

  test('a polling sensor on http://[::ffff:127.0.0.1]:PORT/ records the refusal as its poll error; nothing is sent', async () => {
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'noop', type: 'http', request: { method: 'GET', url: 'https://api.example.com/' } }] });
    const created = await fx.api.post('/v1/sensors', {
      name: 'mapped loopback',
      sensor_type: 'polling',
      ...flow,
      config: { kind: 'http', url: `http://[::ffff:127.0.0.1]:${port}/status`, field: 'state', condition: 'equals', value: 'done', interval_seconds: 60 },
    });
    expect(created.status).toBe(201);
    await platform.invoke('sensor-poller', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const sensor = (await fx.api.get(`/v1/sensors/${created.body.sensor_id}`)).body;
    expect(sensor.last_poll_error).toBe(`GET http://[::ffff:127.0.0.1]:${port}/status: egress refused: http://[::ffff:7f00:1]:${port}: http is not allowed (https only)`);
    expect(sensor.last_triggered_at).toBeNull();
    expect(seen).toEqual([]);
  }, 60_000);
});

describe('egress guard with the local platform’s loopback flag', () => {
  let fx: ExecutorFixture;
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];
  beforeAll(async () => {
    ({ server, port } = await startReceiver(seen));
    fx = await startExecutorFixture({ allowLoopbackEgress: true });
  }, 60_000);
  afterAll(async () => {
    await fx?.platform.stop();
    await stopReceiver(server);
  });

  test('the receiver gets the templated secret and parameter; the stored log and output do not carry the secret', async () => {
    expect((await fx.api.post('/v1/secrets', { secret_name: 'API_TOKEN', value: SECRET })).status).toBe(201);
    const flow = await registerFlow(fx.api, {
      tasks: [
        {
          name: 'call',
          type: 'http',
          secrets: ['API_TOKEN'],
          timeout_seconds: 10,
          request: {
            method: 'POST',
            url: `http://127.0.0.1:${port}/api?day={{ parameters.day }}`,
            headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}' },
            body: { day: '{{ parameters.day }}' },
          },
        },
      ],
      outputs: { answer: 'call.body' },
    });
    const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor: 'lambda', parameters: { day: '2026-11-30' } })).run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.outputs).toEqual({ answer: { accepted: true, day: '2026-11-30' } });
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', url: '/api?day=2026-11-30', body: '{"day":"2026-11-30"}', headers: expect.objectContaining({ authorization: `Bearer ${SECRET}` }) })]);

    const logs = await taskLogs(fx.api, run.run_id, taskRun(run, 'call').task_run_id);
    expect(logs).toContain(`POST http://127.0.0.1:${port}/api?day={{ parameters.day }} -> 200`);
    expect(logs).not.toContain(SECRET);
    expect(JSON.stringify(run)).not.toContain(SECRET);
  }, 60_000);

  test('the flag stops at loopback: a literal metadata address is still a 400', async () => {
    const res = await fx.api.post('/v1/flows', {
      flow_name: 'meta',
      flow_version: '1.0.0',
      flow_spec: { tasks: [{ name: 'meta', type: 'http', request: { method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' } }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'flow_spec.tasks[0].request.url', message: expect.stringMatching(/169\.254\.169\.254 is a link-local address/) }]);
  });
});
