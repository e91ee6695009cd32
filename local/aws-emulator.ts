import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback endpoint that speaks the wire protocols of the AWS APIs Dagy's functions call and
 * no emulator exists for (EventBridge PutEvents, Step Functions, Lambda Invoke, ECS RunTask), so
 * that handler code is byte-for-byte the same locally: only the endpoint differs.
 */
export type JsonBody = Record<string, unknown>;

/** A JSON-protocol operation (X-Amz-Target "<Service>.<Operation>"). */
export type JsonOperation = (body: JsonBody) => Promise<JsonBody>;

/** A request outside the JSON protocol (REST-JSON paths such as SES v2, the Query protocol of SNS). */
export interface RawRequest {
  method: string;
  path: string;
  contentType: string;
  body: string;
}
export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}
/** Answers a raw request it recognises, or returns null to let the next one try. */
export type RawOperation = (request: RawRequest) => Promise<RawResponse | null>;

/**
 * Lambda Invoke: InvocationType Event (async) or RequestResponse; the TenantId of a function with
 * per-tenant isolation; a signal aborted when the caller gives up on a synchronous invocation.
 */
export type LambdaInvoke = (
  functionName: string,
  payload: unknown,
  invocationType: 'Event' | 'RequestResponse',
  options: { tenantId?: string; signal?: AbortSignal },
) => Promise<unknown>;

export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsEmulator {
  endpoint: string;
  /** Registers a JSON operation, e.g. register('AWSEvents.PutEvents', fn). */
  register(target: string, operation: JsonOperation): void;
  /** Registers a handler of requests without an X-Amz-Target (tried in order, after Lambda). */
  registerRaw(operation: RawOperation): void;
  setLambdaInvoke(invoke: LambdaInvoke): void;
  /** Waits (at most `limitMs`) for async Lambda invocations still running. */
  drain(limitMs: number): Promise<void>;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.1'): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startAwsEmulator(port: number): Promise<AwsEmulator> {
  const operations = new Map<string, JsonOperation>();
  const rawOperations: RawOperation[] = [];
  let lambdaInvoke: LambdaInvoke | undefined;
  const inflight = new Set<Promise<unknown>>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const raw = await readBody(req);
        const target = req.headers['x-amz-target'];
        const lambdaPath = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
        if (lambdaPath !== null) {
          if (lambdaInvoke === undefined) throw new AwsApiError('ResourceNotFoundException', 'no local Lambda host', 404);
          const name = decodeURIComponent(lambdaPath[1]!).split(':').pop()!;
          const type = req.headers['x-amz-invocation-type'] === 'Event' ? 'Event' : 'RequestResponse';
          const tenant = req.headers['x-amz-tenant-id'];
          const tenantId = typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
          const payload: unknown = raw === '' ? {} : JSON.parse(raw);
          if (type === 'Event') {
            // Async invoke: accept now, run in the background like Lambda's event queue.
            const p: Promise<unknown> = lambdaInvoke(name, payload, 'Event', tenantId === undefined ? {} : { tenantId })
              .catch(() => undefined)
              .finally(() => inflight.delete(p));
            inflight.add(p);
            res.writeHead(202, { 'content-length': 0 });
            res.end();
            return;
          }
          // A caller that closes the connection has given up: tell the function (it stops the attempt).
          const gone = new AbortController();
          res.once('close', () => {
            if (!res.writableFinished) gone.abort(new Error('attempt stopped'));
          });
          const result = await lambdaInvoke(name, payload, 'RequestResponse', { ...(tenantId === undefined ? {} : { tenantId }), signal: gone.signal });
          if (!res.destroyed) send(res, 200, result ?? null, 'application/json');
          return;
        }
        if (typeof target !== 'string') {
          const request: RawRequest = { method: req.method ?? 'GET', path: req.url ?? '/', contentType: String(req.headers['content-type'] ?? ''), body: raw };
          for (const operation of rawOperations) {
            const answer = await operation(request);
            if (answer === null) continue;
            res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body) });
            res.end(answer.body);
            return;
          }
        }
        if (typeof target !== 'string' || !operations.has(target)) {
          throw new AwsApiError('UnknownOperationException', `operation ${String(target)} is not emulated locally`);
        }
        const result = await operations.get(target)!(raw === '' ? {} : (JSON.parse(raw) as JsonBody));
        send(res, 200, result);
      } catch (error) {
        const e = error instanceof AwsApiError ? error : new AwsApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
        // JSON-protocol errors carry the type in __type; the SDK maps it to the error name.
        res.setHeader('x-amzn-errortype', e.type);
        send(res, e.status, { __type: e.type, message: e.message });
      }
    })();
  });
  // The functions' SDK clients keep idle sockets open without a limit of their own: a server that
  // closes them after 5 s (Node's default) races a request sent on one just then ("socket hang
  // up"), which a busy event loop made frequent once functions ran on threads. Closed at stop.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // Port 0: the one the OS gave.
  const actualPort = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    register: (target, operation) => operations.set(target, operation),
    registerRaw: (operation) => rawOperations.push(operation),
    setLambdaInvoke: (invoke) => (lambdaInvoke = invoke),
    async drain(limitMs) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
      await Promise.race([Promise.all([...inflight]), limit]);
      clearTimeout(timer);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
