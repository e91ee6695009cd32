// The URL half of the guard: scheme, credentials and literal addresses, judged on the URL as
// WHATWG parses it (so 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 are all 127.0.0.1 here,
// exactly as the HTTP client would see them).
import { isIP } from 'node:net';
import { addressRefusal } from './address-policy';
import { EgressRefusedError } from './egress-error';
import type { EgressPolicy } from './egress-policy';

export interface EgressTarget {
  url: URL;
  /** Host without IPv6 brackets: a name, or an address when `literal`. */
  host: string;
  literal: boolean;
  port: number;
  https: boolean;
}

/** scheme://host:port: how errors name a target (path and query may hold templated secrets). */
export const originOf = (url: URL) => `${url.protocol}//${url.host}`;

/** Parses and checks what can be checked without DNS; throws EgressRefusedError. */
export function egressTarget(raw: string, policy: EgressPolicy): EgressTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefusedError('not an absolute URL');
  }
  const subject = originOf(url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EgressRefusedError(`the ${url.protocol.replace(/:$/, '')} scheme is not allowed (https only)`, subject);
  if (url.username !== '' || url.password !== '') throw new EgressRefusedError('credentials in the URL are not allowed (send them in a header)', subject);
  if (url.protocol === 'http:' && !policy.allowLoopbackHttp) throw new EgressRefusedError('http is not allowed (https only)', subject);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  const problem = literal ? addressProblem(host, url, policy) : null;
  if (problem !== null) throw new EgressRefusedError(problem.reason, subject);
  return { url, host, literal, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port), https: url.protocol === 'https:' };
}

/**
 * Why this address may not be reached for this URL (loopback needs the flag; http needs
 * loopback), as "<address> is <description>"; null when it may.
 */
export function addressProblem(address: string, url: URL, policy: EgressPolicy): { reason: string; description: string } | null {
  const refusal = addressRefusal(address);
  if (refusal !== null && !(refusal.kind === 'loopback' && policy.allowLoopbackHttp)) return refusal;
  if (url.protocol === 'http:' && refusal?.kind !== 'loopback') {
    const description = 'not a loopback address (http is allowed only to loopback on the local platform; use https)';
    return { description, reason: `${address} is ${description}` };
  }
  return null;
}

/**
 * For registration: the reason a URL is refused whatever its name resolves to (bad scheme,
 * credentials, a refused literal address); null when it may be acceptable at run time.
 */
export function refusedLiteralUrl(url: string, policy: EgressPolicy): string | null {
  try {
    egressTarget(url, policy);
    return null;
  } catch (error) {
    if (error instanceof EgressRefusedError) return error.message;
    throw error;
  }
}
