import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROUTES, createRouteMatcher, routeKey, type FunctionName } from '../lambdas/catalogue';
import { httpFunctionName } from '../lambdas/catalogue/functions';
import type { AuthorizerContext } from '../lambdas/shared/http/types';
import { consoleFile } from './console-assets';

/** API Gateway's own hard limit on a request body. Routes have smaller limits of their own. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

export interface GatewayOptions {
  port: number;
  invoke: (name: FunctionName, event: unknown) => Promise<unknown>;
  /** One line per request (method, path, status, latency). */
  log: (line: string) => void;
  /** Authorizer result cache (API Gateway caches by the Authorization header); 0 disables. */
  authorizerCacheTtlMs: number;
  /** The built console (console/dist), served at `/` for GETs outside /v1 as CloudFront does; absent: none. */
  consoleDir?: string;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

interface HttpResultLike {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit, keep draining without storing, so the client still reads the 413.
      if (size <= GATEWAY_BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => (size > GATEWAY_BODY_LIMIT ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function errorJson(code: string, message: string): string {
  return JSON.stringify({ error: { code, message, details: [] } });
}

/**
 * The local API Gateway: maps the routes catalogue to the same handlers with HTTP API payload 2.0
 * events, calls the same Lambda authorizer for non-public routes, and sends unknown paths and
 * methods to the $default route (the platform function) as the deployed API does.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const match = createRouteMatcher(ROUTES);
  const authCache = new Map<string, { expires: number; context: Partial<AuthorizerContext> }>();

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    const requestId = randomUUID();
    const finish = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-request-id': requestId });
      res.end(body);
      options.log(`${req.method} ${req.url} ${status} ${Date.now() - started}ms`);
    };
    const method0 = (req.method ?? 'GET').toUpperCase();
    const path0 = (req.url ?? '/').split('?', 1)[0]!;
    if (options.consoleDir !== undefined && (method0 === 'GET' || method0 === 'HEAD') && path0 !== '/v1' && !path0.startsWith('/v1/')) {
      const file = consoleFile(options.consoleDir, path0);
      res.writeHead(file.status, { ...file.headers, 'content-length': file.body.length });
      res.end(method0 === 'HEAD' ? undefined : file.body);
      return;
    }
    void (async () => {
      try {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', 'http://localhost');
        const method = (req.method ?? 'GET').toUpperCase();
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
        }
        const query: Record<string, string> = {};
        for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
        const found = match(method, url.pathname);
        const route = found.kind === 'found' ? found.route : undefined;
        const now = new Date();
        const event = {
          version: '2.0',
          routeKey: route ? routeKey(route) : '$default',
          rawPath: url.pathname,
          rawQueryString: url.search.replace(/^\?/, ''),
          headers,
          queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
          pathParameters: found.kind === 'found' && Object.keys(found.pathParameters).length > 0 ? found.pathParameters : undefined,
          body: body.length > 0 ? body.toString('utf8') : undefined,
          isBase64Encoded: false,
          requestContext: {
            accountId: '000000000000',
            apiId: 'local',
            domainName: headers.host ?? 'localhost',
            domainPrefix: 'local',
            http: {
              method,
              path: url.pathname,
              protocol: 'HTTP/1.1',
              sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
              userAgent: headers['user-agent'] ?? '',
            },
            requestId,
            routeKey: route ? routeKey(route) : '$default',
            stage: '$default',
            time: now.toISOString(),
            timeEpoch: now.getTime(),
            authorizer: undefined as undefined | { lambda: Partial<AuthorizerContext> },
          },
        };
        if (route !== undefined && route.permission !== 'public') {
          const authorization = headers.authorization;
          if (authorization === undefined || authorization === '') {
            finish(401, { 'content-type': 'application/json' }, errorJson('unauthorized', 'authentication required'));
            return;
          }
          const cached = authCache.get(authorization);
          let context: Partial<AuthorizerContext>;
          if (cached !== undefined && cached.expires > Date.now()) context = cached.context;
          else {
            const authEvent = {
              version: '2.0',
              type: 'REQUEST',
              routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${method}${url.pathname}`,
              identitySource: [authorization],
              routeKey: event.routeKey,
              rawPath: event.rawPath,
              rawQueryString: event.rawQueryString,
              headers,
              queryStringParameters: event.queryStringParameters,
              requestContext: event.requestContext,
            };
            const result = (await options.invoke('authorizer', authEvent)) as { isAuthorized?: boolean; context?: Partial<AuthorizerContext> };
            if (result.isAuthorized !== true) {
              finish(403, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Forbidden' }));
              return;
            }
            context = result.context ?? {};
            if (options.authorizerCacheTtlMs > 0) authCache.set(authorization, { expires: Date.now() + options.authorizerCacheTtlMs, context });
          }
          event.requestContext.authorizer = { lambda: context };
        }
        const target = route ? httpFunctionName(route.domain) : httpFunctionName('platform');
        const result = (await options.invoke(target, event)) as HttpResultLike;
        const responseBody = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
        finish(result.statusCode ?? 200, result.headers ?? {}, responseBody);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          finish(413, { 'content-type': 'application/json' }, errorJson('payload_too_large', `request body exceeds ${GATEWAY_BODY_LIMIT} bytes`));
          return;
        }
        // A handler crash is a 500 in the error shape; the local platform keeps serving.
        options.log(`gateway error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        finish(500, { 'content-type': 'application/json' }, errorJson('internal_error', 'internal error'));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  // Port 0: the one the OS gave.
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
