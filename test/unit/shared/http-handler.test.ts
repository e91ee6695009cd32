import { createHttpHandler, type HttpEvent } from '../../../lambdas/shared/http/http-handler';
import { loadFunctionConfig } from '../../../lambdas/shared/config';
import { createAwsClients } from '../../../lambdas/shared/aws-clients';
import { ManualClock } from '../../../lambdas/shared/clock';
import { ValidationError } from '../../../lambdas/shared/errors';
import { FUNCTIONS, requiredEnvVars } from '../../../lambdas/catalogue';
import type { Runtime } from '../../../lambdas/shared/runtime';
import { createMetrics } from '../../../lambdas/shared/metrics';

function runtime(lines: string[]): Runtime {
  const env: Record<string, string> = {};
  for (const v of requiredEnvVars(FUNCTIONS['http-platform'])) env[v] = 'x';
  const config = loadFunctionConfig('http-platform', env);
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ level, message, ...fields }));
  return { config, aws: createAwsClients(config), clock: new ManualClock(0), logger: { info: log('info'), warn: log('warn'), error: log('error') },
    metrics: createMetrics({ namespace: 'test', serviceName: 'http-platform', disabled: true }),
  };
}

function event(method: string, path: string, body?: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {},
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '1', apiId: 'a', domainName: 'd', domainPrefix: 'd', requestId: 'r1', routeKey: '$default', stage: '$default',
      time: '', timeEpoch: 0,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
    },
  } as HttpEvent;
}

describe('the HTTP stack', () => {
  const lines: string[] = [];
  const handler = createHttpHandler({
    domain: 'platform',
    runtime: runtime(lines),
    operations: {
      health: async (req) => {
        if (req.body !== undefined && (req.body as { fail?: boolean }).fail) throw new ValidationError([{ path: 'fail', message: 'no' }]);
        if (req.body !== undefined && (req.body as { crash?: boolean }).crash) throw new Error('boom with secret detail');
        return { status: 200, body: { ok: true } };
      },
      openapi: async () => ({ status: 200, body: {} }),
    },
  });

  const json = (r: { body?: string }) => JSON.parse(r.body ?? 'null');

  it('routes $default events by path and answers 404 in the error shape for unknown paths', async () => {
    const r = await handler(event('GET', '/v1/nowhere'));
    expect(r.statusCode).toBe(404);
    expect(json(r)).toEqual({ error: { code: 'not_found', message: 'route not found', details: [] } });
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const r = await handler(event('DELETE', '/v1/health'));
    expect(r.statusCode).toBe(405);
    expect(json(r).error.code).toBe('method_not_allowed');
    expect(r.headers?.allow).toBe('GET');
  });

  it('answers 400 for malformed JSON', async () => {
    const r = await handler(event('GET', '/v1/health', '{"a":'));
    expect(r.statusCode).toBe(400);
    expect(json(r).error.code).toBe('malformed_json');
  });

  it('answers 413 for a body over the route limit', async () => {
    const r = await handler(event('GET', '/v1/health', JSON.stringify({ pad: 'x'.repeat(300 * 1024) })));
    expect(r.statusCode).toBe(413);
    expect(json(r).error.code).toBe('payload_too_large');
  });

  it('maps typed errors with their details', async () => {
    const r = await handler(event('GET', '/v1/health', '{"fail":true}'));
    expect(r.statusCode).toBe(400);
    expect(json(r)).toEqual({ error: { code: 'validation_failed', message: 'request validation failed', details: [{ path: 'fail', message: 'no' }] } });
  });

  it('hides unexpected errors behind a 500 and logs them', async () => {
    const r = await handler(event('GET', '/v1/health', '{"crash":true}'));
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('boom');
    expect(lines.some((l) => l.includes('boom with secret detail'))).toBe(true);
  });

  it('writes one access log line per request', async () => {
    const before = lines.filter((l) => l.includes('"message":"request"')).length;
    await handler(event('GET', '/v1/health'));
    expect(lines.filter((l) => l.includes('"message":"request"')).length).toBe(before + 1);
  });
});
