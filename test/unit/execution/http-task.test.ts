import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { parseFlowSpec, type NormalizedHttpTaskSpec } from '../../../lambdas/engine';
import { runHttpTask, type HttpTaskOptions } from '../../../lambdas/execution/task-runner/http-task';

let server: Server;
let base = '';
let port = 0;
const timers: NodeJS.Timeout[] = [];
const seen: Array<{ method?: string; url?: string; body: string; type?: string; headers: IncomingHttpHeaders }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, type: req.headers['content-type'], headers: req.headers });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/json') res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"a":1}');
      else if (path === '/text') res.writeHead(204).end();
      else if (path === '/slow') timers.push(setTimeout(() => res.writeHead(200).end('late'), 2000));
      else if (path === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  timers.forEach(clearTimeout);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function task(request: Record<string, unknown>, secrets: string[] = []): NormalizedHttpTaskSpec {
  return parseFlowSpec({ tasks: [{ name: 'h', type: 'http', request, secrets }] }).tasks[0] as NormalizedHttpTaskSpec;
}

/** The local platform's loopback flag on: these tests talk to a receiver on 127.0.0.1. */
const options = (extra: Partial<HttpTaskOptions> = {}): HttpTaskOptions => ({
  timeoutMs: 5000,
  timeoutMessage: 't',
  secrets: {},
  parameters: {},
  egress: { allowLoopbackHttp: true },
  ...extra,
});

test('the response becomes the output: status and JSON body; the request body is sent as JSON', async () => {
  const result = await runHttpTask(task({ method: 'POST', url: `${base}/json`, body: { x: 1 } }), options());
  expect(result).toMatchObject({ ok: true, output: { status: 200, body: { a: 1 } } });
  expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"x":1}', type: 'application/json' });
});

test('a non-JSON body is kept as text', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/text` }), options())).toMatchObject({ ok: true, output: { status: 204, body: '' } });
});

test('a non-2xx status fails the attempt with the status and the start of the body', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/missing` }), options())).toMatchObject({ ok: false, error: 'HTTP 404: no such thing' });
});

test('a response slower than the timeout fails the attempt with the timeout message', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/slow` }), options({ timeoutMs: 100, timeoutMessage: 'timed out after 0.1s' }))).toMatchObject({ ok: false, error: 'timed out after 0.1s' });
});

test('a connection failure fails the attempt', async () => {
  const result = await runHttpTask(task({ method: 'GET', url: 'http://127.0.0.1:1/' }), options({ timeoutMs: 2000 }));
  expect(result.ok).toBe(false);
  expect(!result.ok && result.error).toMatch(/^request failed: /);
});

describe('the egress guard', () => {
  it('a loopback address fails the attempt with the reason when the flag is off; nothing is sent', async () => {
    const before = seen.length;
    const result = await runHttpTask(task({ method: 'GET', url: `https://127.0.0.1:${port}/json` }), options({ egress: { allowLoopbackHttp: false } }));
    expect(result).toEqual({ ok: false, error: `egress refused: https://127.0.0.1:${port}: 127.0.0.1 is a loopback address`, log: `GET https://127.0.0.1:${port}/json refused: 127.0.0.1 is a loopback address\n` });
    const mapped = await runHttpTask(task({ method: 'GET', url: `https://[::ffff:127.0.0.1]:${port}/json` }), options({ egress: { allowLoopbackHttp: false } }));
    expect(!mapped.ok && mapped.error).toMatch(/an IPv6 form of 127\.0\.0\.1, a loopback address/);
    expect(seen.length).toBe(before);
  });

  it('a name resolving to loopback fails the attempt', async () => {
    const result = await runHttpTask(task({ method: 'GET', url: `https://internal.example:${port}/json` }), options({ egress: { allowLoopbackHttp: false }, resolve: async () => ['127.0.0.1'] }));
    expect(!result.ok && result.error).toBe(`egress refused: https://internal.example:${port}: internal.example resolves to 127.0.0.1, a loopback address`);
  });

  it('a redirect to the metadata address fails the attempt, the flag notwithstanding', async () => {
    const result = await runHttpTask(task({ method: 'GET', url: `${base}/to-metadata` }), options());
    expect(!result.ok && result.error).toBe('egress refused: http://169.254.169.254: 169.254.169.254 is a link-local address (instance and task metadata live there)');
  });
});

describe('templates', () => {
  it('fills secrets and parameters into header values, the query string and body strings', async () => {
    const spec = task(
      {
        method: 'POST',
        url: `${base}/json?day={{ parameters.day }}&q={{parameters.filter.name}}`,
        headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}', 'x-day': '{{ parameters.day }}' },
        body: { token: '{{ secrets.API_TOKEN }}', rows: ['limit={{ parameters.limit }}'], n: 3 },
      },
      ['API_TOKEN'],
    );
    const result = await runHttpTask(spec, options({ secrets: { API_TOKEN: 's3cr&t' }, parameters: { day: '2026-11-29', limit: 5, filter: { name: 'a b&c' } } }));
    expect(result.ok).toBe(true);
    const request = seen.at(-1)!;
    expect(request.url).toBe('/json?day=2026-11-29&q=a%20b%26c');
    expect(request.headers).toMatchObject({ authorization: 'Bearer s3cr&t', 'x-day': '2026-11-29' });
    expect(JSON.parse(request.body)).toEqual({ token: 's3cr&t', rows: ['limit=5'], n: 3 });
    // The log names the URL as written, never a value filled in.
    expect(result.log).toBe(`POST ${base}/json?day={{ parameters.day }}&q={{parameters.filter.name}} -> 200 (7 bytes)\n`);
    expect(result.log).not.toContain('s3cr');
  });

  it('a parameter the run does not have fails the attempt before anything is sent', async () => {
    const before = seen.length;
    const result = await runHttpTask(task({ method: 'GET', url: `${base}/json?day={{ parameters.day }}` }), options());
    expect(result).toMatchObject({ ok: false, error: 'template: {{ parameters.day }}: the run has no such parameter' });
    expect(seen.length).toBe(before);
  });
});
