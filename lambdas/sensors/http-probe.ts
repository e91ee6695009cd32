// GET a JSON document for an http polling sensor: bounded in time and size, no redirects, and
// (outside the local platform) only to public addresses, so a sensor cannot make the poller
// reach loopback, link-local (instance metadata, the Lambda runtime API) or private networks.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export const PROBE_TIMEOUT_MS = 10_000;
export const PROBE_MAX_BYTES = 1024 * 1024;

function ipv4Private(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224
  );
}

/** Loopback, private, link-local, unique-local, multicast and unspecified addresses. */
export function isNonPublicAddress(ip: string): boolean {
  if (isIP(ip) === 4) return ipv4Private(ip);
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Private(mapped[1]!);
  return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || /^ff/.test(lower);
}

async function assertPublic(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isNonPublicAddress)) throw new Error(`${hostname} is not a public address`);
}

/**
 * @param allowPrivate true on the local platform only (its test endpoints live on loopback).
 */
export function createJsonFetcher(allowPrivate: boolean): (url: string, headers: Record<string, string>) => Promise<unknown> {
  return async (url, headers) => {
    const target = new URL(url);
    if (!allowPrivate) await assertPublic(target.hostname);
    const res = await fetch(target, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (res.status < 200 || res.status > 299) throw new Error(`status ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > PROBE_MAX_BYTES) throw new Error(`body larger than ${PROBE_MAX_BYTES} bytes`);
    const text = await res.text();
    if (Buffer.byteLength(text) > PROBE_MAX_BYTES) throw new Error(`body larger than ${PROBE_MAX_BYTES} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error('the body is not JSON');
    }
  };
}
