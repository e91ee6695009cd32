import { randomBytes } from 'node:crypto';
import type { Platform } from '../local/platform';
import type { FlowSpec } from '../lambdas/engine';
import { artifactBase64 } from './execution/shapes';

/** A tiny HTTP client for the benches: status, parsed body and the request's latency. */
export interface BenchResponse {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

export interface BenchApi {
  get(path: string): Promise<BenchResponse>;
  post(path: string, body: unknown): Promise<BenchResponse>;
  put(path: string, body: unknown): Promise<BenchResponse>;
}

export function benchApi(baseUrl: string, token?: string): BenchApi {
  const call = async (method: string, path: string, body?: unknown): Promise<BenchResponse> => {
    const t0 = performance.now();
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed, ms };
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b), put: (p, b) => call('PUT', p, b) };
}

export interface BenchTenant {
  api: BenchApi;
  orgId: string;
}

/**
 * A new organization (signup) on `plan`: the bench measures the platform, not a plan's
 * concurrency cap (free allows 5 runs at once; more wait QUEUED).
 */
export async function benchTenant(platform: Platform, plan: 'free' | 'team' | 'enterprise'): Promise<BenchTenant> {
  const suffix = randomBytes(4).toString('hex');
  const res = await benchApi(platform.url).post('/v1/auth/signup', {
    email: `bench-${suffix}@example.com`,
    password: `bench-horse-${suffix}-battery`,
    name: 'bench',
    org_name: `bench ${suffix}`,
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { access_token: { token: string }; organization: { org_id: string } };
  const api = benchApi(platform.url, body.access_token.token);
  if (plan !== 'free') {
    const sub = await api.put('/v1/subscription', { plan });
    if (sub.status !== 200) throw new Error(`subscription: ${sub.status} ${JSON.stringify(sub.body)}`);
  }
  return { api, orgId: body.organization.org_id };
}

export async function registerBenchFlow(tenant: BenchTenant, name: string, spec: FlowSpec): Promise<BenchResponse> {
  const res = await tenant.api.post('/v1/flows', { flow_name: name, flow_version: '1', default_executor: 'step-functions', flow_spec: spec, artifact: { zip_base64: artifactBase64() } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
