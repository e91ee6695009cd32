// guardedFetch against a real HTTP server on 127.0.0.1 (the local platform's loopback flag on):
// redirects, size and time caps, header hygiene and DNS pinning. No traffic leaves loopback: any
// hop that names another address is refused before a socket is opened.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { EgressRefusedError, guardedFetch, type Resolver } from '../../../../lambdas/shared/egress';

const flag = { allowLoopbackHttp: true };
let server: Server;
let port = 0;
let base = '';
const timers: NodeJS.Timeout[] = [];
const seen: Array<{ url: string; method: string; host: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ url: req.url ?? '', method: req.method ?? '', host: req.headers.host ?? '', headers: req.headers, body });
      const hops = Number(url.searchParams.get('n') ?? '0');
      if (url.pathname === '/ok') res.writeHead(200, { 'content-type': 'application/json', 'x-two': ['a', 'b'] }).end('{"ok":true}');
      else if (url.pathname === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/' }).end();
      else if (url.pathname === '/to-ecs-metadata') res.writeHead(307, { location: 'http://[::ffff:169.254.170.2]/v2/credentials' }).end();
      else if (url.pathname === '/chain') res.writeHead(302, { location: hops > 1 ? `/chain?n=${hops - 1}` : '/ok' }).end();
      else if (url.pathname === '/see-other') res.writeHead(303, { location: '/ok' }).end();
      else if (url.pathname === '/elsewhere') res.writeHead(307, { location: url.searchParams.get('to') ?? '/' }).end();
      else if (url.pathname === '/big') res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      else if (url.pathname === '/big-chunked') {
        res.writeHead(200);
        res.write('x'.repeat(3000));
        res.end('y'.repeat(3000));
      } else if (url.pathname === '/slow') timers.push(setTimeout(() => res.writeHead(200).end('late'), 1500));
      else res.writeHead(404).end('missing');
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
beforeEach(() => {
  seen.length = 0;
});

const get = { method: 'GET', timeoutMs: 3000, maxResponseBytes: 4096 };

test('a loopback receiver answers when the flag is on: status, headers, body, final URL', async () => {
  const res = await guardedFetch(`${base}/ok`, get, flag);
  expect(res).toMatchObject({ status: 200, finalUrl: `${base}/ok`, redirects: 0 });
  expect(res.headers).toMatchObject({ 'content-type': 'application/json', 'x-two': 'a, b' });
  expect(res.body.toString()).toBe('{"ok":true}');
  expect(seen).toEqual([expect.objectContaining({ url: '/ok', host: `127.0.0.1:${port}` })]);
});

test('the same receiver is refused without the flag, and nothing reaches it', async () => {
  await expect(guardedFetch(`${base}/ok`, get, { allowLoopbackHttp: false })).rejects.toThrow(`egress refused: ${base}: http is not allowed (https only)`);
  await expect(guardedFetch(`https://127.0.0.1:${port}/ok`, get, { allowLoopbackHttp: false })).rejects.toThrow('127.0.0.1 is a loopback address');
  expect(seen).toEqual([]);
});

test('a redirect to the instance metadata address is refused; the hops before it were checked and made', async () => {
  await expect(guardedFetch(`${base}/to-metadata`, get, flag)).rejects.toThrow('egress refused: http://169.254.169.254: 169.254.169.254 is a link-local address');
  await expect(guardedFetch(`${base}/chain?n=2&then=x`, get, flag)).resolves.toMatchObject({ redirects: 2 });
  await expect(guardedFetch(`${base}/to-ecs-metadata`, get, flag)).rejects.toThrow(/an IPv6 form of 169\.254\.170\.2, a link-local address/);
  expect(seen.map((s) => s.url)).toEqual(['/to-metadata', '/chain?n=2&then=x', '/chain?n=1', '/ok', '/to-ecs-metadata']);
});

test('three redirects are followed, a fourth is refused', async () => {
  const three = await guardedFetch(`${base}/chain?n=3`, get, flag);
  expect(three).toMatchObject({ status: 200, redirects: 3, finalUrl: `${base}/ok` });
  seen.length = 0;
  await expect(guardedFetch(`${base}/chain?n=4`, get, flag)).rejects.toThrow(new EgressRefusedError('more than 3 redirects', base));
  expect(seen.map((s) => s.url)).toEqual(['/chain?n=4', '/chain?n=3', '/chain?n=2', '/chain?n=1']);
});

test('303 turns a POST into a GET without its body', async () => {
  const res = await guardedFetch(`${base}/see-other`, { ...get, method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }, flag);
  expect(res.status).toBe(200);
  expect(seen.map((s) => [s.method, s.url, s.body, s.headers['content-type']])).toEqual([
    ['POST', '/see-other', '{"a":1}', 'application/json'],
    ['GET', '/ok', '', undefined],
  ]);
});

test('a hop to another origin drops the headers that may carry secrets', async () => {
  const resolver: Resolver = async () => ['127.0.0.1'];
  const headers = { authorization: 'Bearer s3cret', 'x-api-key': 's3cret', accept: 'application/json' };
  await guardedFetch(`${base}/elsewhere?to=${encodeURIComponent(`http://other.test:${port}/ok`)}`, { ...get, headers }, flag, resolver);
  expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer s3cret', 'x-api-key': 's3cret' });
  expect(seen[1]!.host).toBe(`other.test:${port}`);
  expect(seen[1]!.headers.authorization).toBeUndefined();
  expect(seen[1]!.headers['x-api-key']).toBeUndefined();
  expect(seen[1]!.headers.accept).toBe('application/json');
});

test('a body larger than the cap is refused, declared or streamed', async () => {
  await expect(guardedFetch(`${base}/big`, get, flag)).rejects.toThrow(new EgressRefusedError('the response is larger than 4096 bytes', base));
  await expect(guardedFetch(`${base}/big-chunked`, get, flag)).rejects.toThrow('the response is larger than 4096 bytes');
  await expect(guardedFetch(`${base}/big-chunked`, { ...get, maxResponseBytes: 6000 }, flag)).resolves.toMatchObject({ status: 200 });
});

test('the time cap covers the whole exchange; the caller can abort too', async () => {
  await expect(guardedFetch(`${base}/slow`, { ...get, timeoutMs: 200 }, flag)).rejects.toThrow(`request to ${base} timed out after 200 ms`);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('cancelled by the run')), 100);
  await expect(guardedFetch(`${base}/slow`, { ...get, signal: controller.signal }, flag)).rejects.toThrow('cancelled by the run');
});

test('the caller cannot set Host, Content-Length or Transfer-Encoding', async () => {
  await guardedFetch(`${base}/ok`, { ...get, method: 'POST', body: 'abc', headers: { Host: 'metadata.internal', 'Content-Length': '999', 'Transfer-Encoding': 'chunked' } }, flag);
  expect(seen[0]).toMatchObject({ host: `127.0.0.1:${port}`, body: 'abc' });
  expect(seen[0]!.headers['content-length']).toBe('3');
  expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
  // A User-Agent when the caller sets none (some APIs refuse requests without one).
  expect(seen[0]!.headers['user-agent']).toBe('Dagy');
});

describe('DNS rebinding', () => {
  /** Answers `first` to the first question and `then` to every later one, counting questions. */
  function rebinding(first: string, then: string): Resolver & { calls: string[] } {
    const calls: string[] = [];
    const resolver = async (host: string) => {
      calls.push(host);
      return [calls.length === 1 ? first : then];
    };
    return Object.assign(resolver, { calls });
  }

  it('the name is resolved once per hop and the connection goes to the address that was checked', async () => {
    const resolver = rebinding('127.0.0.1', '169.254.169.254');
    const res = await guardedFetch(`http://rebind.test:${port}/ok`, get, flag, resolver);
    expect(res.status).toBe(200);
    expect(resolver.calls).toEqual(['rebind.test']);
    // It reached the loopback receiver (the checked answer), under its own name.
    expect(seen).toEqual([expect.objectContaining({ url: '/ok', host: `rebind.test:${port}` })]);
  });

  it('a later hop that resolves elsewhere is checked again and refused', async () => {
    const resolver = rebinding('127.0.0.1', '169.254.169.254');
    await expect(guardedFetch(`http://rebind.test:${port}/chain?n=1`, get, flag, resolver)).rejects.toThrow(
      `egress refused: http://rebind.test:${port}: rebind.test resolves to 169.254.169.254, a link-local address`,
    );
    expect(resolver.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(seen.map((s) => s.url)).toEqual(['/chain?n=1']);
  });

  it('a refused first answer is refused outright, whatever later answers would be', async () => {
    const resolver = rebinding('10.0.0.1', '127.0.0.1');
    await expect(guardedFetch(`http://rebind.test:${port}/ok`, get, flag, resolver)).rejects.toThrow(/resolves to 10\.0\.0\.1, a private/);
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(seen).toEqual([]);
  });
});

describe('TLS to a pinned address', () => {
  // A throwaway self-signed certificate for pinned.test, made for this test only (openssl, P-256).
  const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgavq4J8pG/73iJV28
eFhWOlbQB2aYb3+xVbJEWMJmknOhRANCAAQ4GGFHad+RQtiZKozFtMduY+R/iZvW
JtJqA1OZPwK5Ij+DL9wMQ9z4Uxj1PhmaeDxqq0LKQf6XeX09AOfeHbjb
-----END PRIVATE KEY-----`;
  const CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUeVR6fTL8eJ/1OEvksnnX/ZcSxK8wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLcGlubmVkLnRlc3QwIBcNMjYxMTMwMDAyMDUxWhgPMjEyNjEx
MDYwMDIwNTFaMBYxFDASBgNVBAMMC3Bpbm5lZC50ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEOBhhR2nfkULYmSqMxbTHbmPkf4mb1ibSagNTmT8CuSI/gy/c
DEPc+FMY9T4Zmng8aqtCykH+l3l9PQDn3h2426NrMGkwHQYDVR0OBBYEFIcnzr0D
LrYh0tBw1muYD7ZnZ/zkMB8GA1UdIwQYMBaAFIcnzr0DLrYh0tBw1muYD7ZnZ/zk
MA8GA1UdEwEB/wQFMAMBAf8wFgYDVR0RBA8wDYILcGlubmVkLnRlc3QwCgYIKoZI
zj0EAwIDSQAwRgIhAPdpcy841+MitM4E9UwFIgf+pJBXAV7oNo3UBdBL6KklAiEA
wu3qrwPS6KeCqgvQ7F4NiRExYYKe68odXQYpcYhupgM=
-----END CERTIFICATE-----`;

  it('connects to the checked address, sends the name as SNI and verifies the certificate', async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    const { createSecureContext } = await import('node:tls');
    const context = createSecureContext({ key: KEY, cert: CERT });
    const sni: string[] = [];
    const tls = createHttpsServer({ key: KEY, cert: CERT, SNICallback: (name, done) => (sni.push(name), done(null, context)) }, (_req, res) => res.writeHead(200).end('reached'));
    tls.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', () => resolve()));
    const address = tls.address();
    const tlsPort = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      // Not trusted (self-signed): verification is on, so the request fails once the server answered.
      await expect(guardedFetch(`https://pinned.test:${tlsPort}/`, get, flag, async () => ['127.0.0.1'])).rejects.toThrow(/self[- ]signed certificate/);
      // The loopback server (the checked address) was reached, under the name the URL gave.
      expect(sni).toEqual(['pinned.test']);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});
