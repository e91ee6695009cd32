// GET a JSON document for an http polling sensor, through the egress guard (one guard for every
// request made on a tenant's behalf): bounded in time and size, public addresses only (loopback
// only with the local platform's test flag), redirects checked hop by hop.
import { guardedFetch, type EgressPolicy } from '../shared/egress';

export const PROBE_TIMEOUT_MS = 10_000;
export const PROBE_MAX_BYTES = 1024 * 1024;

export function createJsonFetcher(policy: EgressPolicy): (url: string, headers: Record<string, string>) => Promise<unknown> {
  return async (url, headers) => {
    const res = await guardedFetch(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, timeoutMs: PROBE_TIMEOUT_MS, maxResponseBytes: PROBE_MAX_BYTES }, policy);
    if (res.status < 200 || res.status > 299) throw new Error(`status ${res.status}`);
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw new Error('the body is not JSON');
    }
  };
}
