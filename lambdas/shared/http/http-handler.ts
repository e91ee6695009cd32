import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DEFAULT_BODY_LIMIT, ROUTES, createRouteMatcher, findRoute, type RouteDef } from '../../catalogue/routes';
import { roleHasPermission } from '../../catalogue/roles';
import type { HttpDomain } from '../../catalogue/functions';
import { isOrgOptional } from '../../catalogue/routes';
import { isoNow } from '../clock';
import {
  BadRequestError,
  DagyError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
} from '../errors';
import type { Logger } from '../logger';
import type { MetricsRecorder } from '../metrics';
import { METRIC } from '../../catalogue/observability';
import { DynamoAccessLogWriter, type AccessLogWriter } from './access-log';
import type { Runtime } from '../runtime';
import { FUNCTIONS } from '../../catalogue/functions';
import { resolvePrincipal } from './principal';
import { errorBody } from './responses';
import type { ApiRequest, ApiResponse, AuthorizerContext, Operation } from './types';

/** API Gateway HTTP API (payload 2.0) event, with the Lambda authorizer's simple-response context. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { lambda?: Partial<AuthorizerContext> };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent, context?: Context) => Promise<HttpResult>;

export interface HttpAppOptions {
  domain: HttpDomain;
  operations: Record<string, Operation>;
  runtime: Runtime;
  /** Overrides the AccessLog writer (default: the AccessLog table when the function is bound to it). */
  accessLog?: AccessLogWriter;
}

interface Internal extends Record<string, unknown> {
  startedMs: number;
  apiRequest?: ApiRequest;
}

const matchRoute = createRouteMatcher(ROUTES);

function lowerHeaders(headers: HttpEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** Finds the catalogued route of an event: by routeKey, or by path for the $default route. */
function routeOf(event: HttpEvent): { route: RouteDef; pathParameters: Record<string, string> } {
  const direct = event.routeKey === '$default' ? undefined : findRoute(event.routeKey);
  if (direct !== undefined) return { route: direct, pathParameters: (event.pathParameters ?? {}) as Record<string, string> };
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  if (match.kind === 'found') return { route: match.route, pathParameters: match.pathParameters };
  if (match.kind === 'method_not_allowed') throw new MethodNotAllowedError(match.allowed);
  throw new NotFoundError('route');
}

function parseBody(event: HttpEvent, route: RouteDef): { rawBody: string; body: unknown } {
  if (event.body === undefined || event.body === null || event.body === '') return { rawBody: '', body: undefined };
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const limit = route.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  if (Buffer.byteLength(raw, 'utf8') > limit) throw new PayloadTooLargeError(limit);
  try {
    return { rawBody: raw, body: JSON.parse(raw) as unknown };
  } catch {
    throw new BadRequestError('request body is not valid JSON', 'malformed_json');
  }
}

export function toHttpResult(response: ApiResponse): HttpResult {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(response.headers ?? {}) };
  return response.body === undefined
    ? { statusCode: response.status, headers: response.headers ?? {} }
    : { statusCode: response.status, headers, body: JSON.stringify(response.body) };
}

function errorResult(error: unknown, logger: Logger, requestId: string, metrics?: MetricsRecorder): HttpResult {
  if (error instanceof DagyError) {
    // Work refused at admission (plan limits, rate limits): counted by the code that refused it.
    if (error instanceof TooManyRequestsError) metrics?.count(METRIC.admissionRefused, 1, { reason: error.code });
    const headers: Record<string, string> = {};
    if (error instanceof TooManyRequestsError && error.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(error.retryAfterSeconds);
    }
    if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
    return toHttpResult({ status: error.status, headers, body: errorBody(error.code, error.message, error.details) });
  }
  logger.error('unhandled error', {
    request_id: requestId,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return toHttpResult({ status: 500, body: errorBody('internal_error', 'internal error', []) });
}

/**
 * The one HTTP stack every domain function uses: route lookup from the catalogue, body size
 * and JSON checks, principal and permission, typed errors → one error shape, one access log
 * line per request and one AccessLog record per authenticated request.
 */
export function createHttpHandler(options: HttpAppOptions): HttpHandler {
  const { logger, clock } = options.runtime;
  const bound = FUNCTIONS[options.runtime.config.functionName].tables.AccessLog !== undefined;
  const accessLog =
    options.accessLog ?? (bound ? new DynamoAccessLogWriter(options.runtime.aws.ddb, options.runtime.config.table('AccessLog')) : undefined);

  const observe: MiddlewareObj<HttpEvent, HttpResult, Error, Context, Internal> = {
    name: 'observe',
    before: (request) => {
      request.internal.startedMs = clock.nowMs();
      perRequest.set(request.event, request.internal);
    },
    after: async (request) => finish(request.event, request.response!, request.internal),
    onError: async (request) => {
      request.response = errorResult(request.error, logger, request.event.requestContext.requestId, options.runtime.metrics);
      await finish(request.event, request.response, request.internal);
    },
  };

  async function finish(event: HttpEvent, response: HttpResult, internal: Internal): Promise<void> {
    const latency = clock.nowMs() - (internal.startedMs ?? clock.nowMs());
    const api = internal.apiRequest;
    logger.info('request', {
      request_id: event.requestContext.requestId,
      method: event.requestContext.http.method,
      path: api === undefined ? event.rawPath : loggablePath(api),
      route: api === undefined ? null : `${api.route.method} ${api.route.path}`,
      status: response.statusCode,
      latency_ms: latency,
      org_id: api?.principal?.org_id ?? null,
      principal_id: api?.principal?.principal_id ?? null,
    });
    const principal = api?.principal;
    if (accessLog !== undefined && api !== undefined && principal && principal.org_id !== null) {
      try {
        await accessLog.write({
          org_id: principal.org_id,
          request_id: event.requestContext.requestId,
          request_time: isoNow(clock),
          principal_type: principal.principal_type,
          principal_id: principal.principal_id,
          actor_email: principal.email,
          method: api.method,
          route: `${api.route.method} ${api.route.path}`,
          path: loggablePath(api),
          status: response.statusCode ?? 0,
          ip_address: api.sourceIp,
          user_agent: api.userAgent,
          latency_ms: latency,
        });
      } catch (error) {
        // An access-log failure must not fail the caller's request; it is logged for operators.
        logger.error('access log write failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  // middy does not hand its request.internal to the handler; the event object identifies the call.
  const perRequest = new WeakMap<HttpEvent, Internal>();

  const core = async (event: HttpEvent): Promise<HttpResult> => {
    const internal = perRequest.get(event) ?? { startedMs: clock.nowMs() };
    const { route, pathParameters } = routeOf(event);
    if (route.domain !== options.domain) throw new NotFoundError('route');
    const headers = lowerHeaders(event.headers);
    const principal = resolvePrincipal(route, event.requestContext.authorizer?.lambda, headers);
    if (route.permission !== 'public' && principal !== null) {
      const needsRole = !(principal.role === null && isOrgOptional(route));
      if (needsRole && (principal.role === null || !roleHasPermission(principal.role, route.permission))) {
        throw new ForbiddenError(`your role does not allow ${route.permission}`);
      }
    }
    const { rawBody, body } = parseBody(event, route);
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
    const apiRequest: ApiRequest = {
      route,
      requestId: event.requestContext.requestId,
      method: event.requestContext.http.method,
      path: event.rawPath,
      pathParameters,
      query,
      headers,
      rawBody,
      body,
      principal,
      sourceIp: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent ?? headers['user-agent'] ?? '',
    };
    internal.apiRequest = apiRequest;
    const operation = options.operations[route.operation];
    if (operation === undefined) throw new Error(`domain ${options.domain} has no operation ${route.operation}`);
    return toHttpResult(await operation(apiRequest));
  };

  const handler = middy<HttpEvent, HttpResult, Error, Context, Internal>()
    .use(observe)
    .handler((event) => core(event));
  return (event, context) => handler(event, context ?? ({} as Context));
}

/** The request path as logs keep it: a `{token}` path parameter is a credential, masked. */
function loggablePath(api: ApiRequest): string {
  const token = api.pathParameters.token;
  return token === undefined || token === '' ? api.path : api.path.split(token).join('***');
}
