import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isOk, presignedRequest } from '../../../lambdas/shared/presigned-http';

/** A stand-in for S3's presigned endpoints: answers by path, records what it received. */
let server: Server;
let base: string;
const received: Array<{ method: string; url: string; body: string; length: string | undefined }> = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method ?? '', url: req.url ?? '', body, length: req.headers['content-length'] });
  if (req.url?.startsWith('/object')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
  } else if (req.url === '/put') {
    res.writeHead(200).end();
  } else if (req.url === '/missing') {
    res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
  } else if (req.url === '/slow') {
    res.writeHead(200);
    res.write('partial');
    // never ends: the caller's signal must
  } else if (req.url === '/cut') {
    // Announces more than it sends, then drops the connection.
    res.writeHead(200, { 'content-length': '100' });
    res.write('short');
    setTimeout(() => res.destroy(), 10);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('presignedRequest', () => {
  test('GETs an object whole, bytes intact, with its query string (the presigned signature) kept', async () => {
    const response = await presignedRequest(`${base}/object?X-Amz-Signature=abc&X-Amz-Expires=900`, { method: 'GET', signal: AbortSignal.timeout(5000) });
    expect(isOk(response)).toBe(true);
    expect([...response.body]).toEqual([0, 1, 2, 255]);
    expect(received.at(-1)).toMatchObject({ method: 'GET', url: '/object?X-Amz-Signature=abc&X-Amz-Expires=900' });
  });

  test('PUTs a body with its length', async () => {
    const body = JSON.stringify({ final: true, tasks: { 'ü': 1 } });
    const response = await presignedRequest(`${base}/put`, { method: 'PUT', body, signal: AbortSignal.timeout(5000) });
    expect(isOk(response)).toBe(true);
    expect(received.at(-1)).toEqual({ method: 'PUT', url: '/put', body, length: String(Buffer.byteLength(body)) });
  });

  test('answers an error status as it is (the caller says what failed)', async () => {
    const response = await presignedRequest(`${base}/missing`, { method: 'GET', signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(404);
    expect(isOk(response)).toBe(false);
    expect(response.body.toString()).toContain('NoSuchKey');
  });

  test('rejects when its signal aborts mid-body, when the body is cut short, and for a URL that is not http(s)', async () => {
    await expect(presignedRequest(`${base}/slow`, { method: 'GET', signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(presignedRequest(`${base}/cut`, { method: 'GET', signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    await expect(presignedRequest('file:///etc/passwd', { method: 'GET', signal: AbortSignal.timeout(5000) })).rejects.toThrow('not an http(s) URL: file:');
    // Nothing listening: a network error, not a hang.
    await expect(presignedRequest('http://127.0.0.1:1/x', { method: 'GET', signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });
});
