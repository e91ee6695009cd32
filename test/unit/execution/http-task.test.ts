import { createServer, type Server } from 'node:http';
import { parseFlowSpec, type NormalizedHttpTaskSpec } from '../../../lambdas/engine';
import { runHttpTask } from '../../../lambdas/execution/task-runner/http-task';

let server: Server;
let base = '';
const seen: Array<{ method?: string; url?: string; body: string; type?: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, type: req.headers['content-type'] });
      if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"a":1}');
      else if (req.url === '/text') res.writeHead(204).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 2000);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  base = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function task(request: Record<string, unknown>): NormalizedHttpTaskSpec {
  return parseFlowSpec({ tasks: [{ name: 'h', type: 'http', request }] }).tasks[0] as NormalizedHttpTaskSpec;
}

test('the response becomes the output: status and JSON body; the request body is sent as JSON', async () => {
  const result = await runHttpTask(task({ method: 'POST', url: `${base}/json`, body: { x: 1 } }), { timeoutMs: 5000, timeoutMessage: 't' });
  expect(result).toMatchObject({ ok: true, output: { status: 200, body: { a: 1 } } });
  expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"x":1}', type: 'application/json' });
});

test('a non-JSON body is kept as text', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/text` }), { timeoutMs: 5000, timeoutMessage: 't' })).toMatchObject({ ok: true, output: { status: 204, body: '' } });
});

test('a non-2xx status fails the attempt with the status and the start of the body', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/missing` }), { timeoutMs: 5000, timeoutMessage: 't' })).toMatchObject({ ok: false, error: 'HTTP 404: no such thing' });
});

test('a response slower than the timeout fails the attempt with the timeout message', async () => {
  expect(await runHttpTask(task({ method: 'GET', url: `${base}/slow` }), { timeoutMs: 100, timeoutMessage: 'timed out after 0.1s' })).toMatchObject({ ok: false, error: 'timed out after 0.1s' });
});

test('a connection failure fails the attempt', async () => {
  const result = await runHttpTask(task({ method: 'GET', url: 'http://127.0.0.1:1/' }), { timeoutMs: 2000, timeoutMessage: 't' });
  expect(result.ok).toBe(false);
  expect(!result.ok && result.error).toMatch(/^request failed: /);
});
