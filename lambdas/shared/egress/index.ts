// TEMPORARY stand-in for the egress guard being built on branch h-egress (same API); removed
// before this branch is merged. Only what the alerts code and its tests need.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EgressPolicy {
  allowLoopbackHttp: boolean;
}
export class EgressRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EgressRefusedError';
  }
}
export interface GuardedRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
}
export interface GuardedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  finalUrl: string;
  redirects: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function refusedLiteralUrl(url: string, policy: EgressPolicy): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `the ${u.protocol.replace(/:$/, '')} scheme is not allowed (https only)`;
  if (u.username !== '' || u.password !== '') return 'credentials in the URL are not allowed (send them in a header)';
  if (LOOPBACK.has(u.hostname) && !policy.allowLoopbackHttp) return `${u.hostname} is a loopback address`;
  if (u.protocol === 'http:' && !(policy.allowLoopbackHttp && LOOPBACK.has(u.hostname))) return 'http is not allowed (https only)';
  return null;
}

export function egressPolicyFromEnv(env: Record<string, string | undefined>): EgressPolicy {
  return { allowLoopbackHttp: env.DAGY_EGRESS_ALLOW_LOOPBACK_HTTP === 'true' && env.DAGY_STAGE === 'local' };
}

export function guardedFetch(url: string, request: GuardedRequest, policy: EgressPolicy): Promise<GuardedResponse> {
  const refused = refusedLiteralUrl(url, policy);
  if (refused !== null) return Promise.reject(new EgressRefusedError(refused));
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(u, { method: request.method, headers: request.headers, timeout: request.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).subarray(0, request.maxResponseBytes), finalUrl: url, redirects: 0 });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
