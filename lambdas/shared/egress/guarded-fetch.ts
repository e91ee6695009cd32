// The one way a tenant's request leaves Dagy (HTTP tasks, polling sensors, notification
// channels). Each hop: check the URL, resolve the name once, refuse if any address is refused,
// then connect to exactly the address checked (the socket is opened to that IP, with the name
// only in the Host header and TLS SNI), so a second DNS answer cannot move the request
// (rebinding). Redirects are followed by hand, at most MAX_REDIRECTS, each hop checked again.
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connectAddress } from './address-policy';
import { EgressRefusedError } from './egress-error';
import type { EgressPolicy } from './egress-policy';
import { addressProblem, egressTarget, originOf, type EgressTarget } from './target-url';

export interface GuardedRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** For the whole exchange: every hop, DNS included, and reading the body. */
  timeoutMs: number;
  /** The body is read up to this many bytes; a larger one is refused. */
  maxResponseBytes: number;
  signal?: AbortSignal;
}

export interface GuardedResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  finalUrl: string;
  redirects: number;
}

/** A name's addresses, as the system resolver answers them (injected by tests). */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export const MAX_REDIRECTS = 3;
export const USER_AGENT = 'Dagy';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers a hop to another origin keeps: the others may carry the tenant's secrets. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);
/** Set by the guard itself, never by the caller. */
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

interface Hop {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

/** Resolves once; every address must pass; the first is the one connected to. */
async function pinnedAddress(target: EgressTarget, policy: EgressPolicy, resolve: Resolver, signal: AbortSignal): Promise<string> {
  if (target.literal) return connectAddress(target.host);
  let addresses: string[];
  try {
    addresses = await new Promise<string[]>((ok, fail) => {
      const onAbort = () => fail(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      resolve(target.host).then(ok, fail).finally(() => signal.removeEventListener('abort', onAbort));
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const code = (error as { code?: unknown }).code;
    throw new Error(`${target.host} does not resolve${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (addresses.length === 0) throw new Error(`${target.host} does not resolve`);
  for (const address of addresses) {
    const problem = addressProblem(address, target.url, policy);
    if (problem !== null) throw new EgressRefusedError(`${target.host} resolves to ${address}, ${problem.description}`, originOf(target.url));
  }
  return connectAddress(addresses[0]!);
}

function send(target: EgressTarget, address: string, hop: Hop, signal: AbortSignal): Promise<IncomingMessage> {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(hop.headers)) if (!OWN_HEADERS.has(name.toLowerCase())) headers[name] = value;
  headers.host = target.url.host;
  // Some APIs refuse requests without one (fetch used to send "node").
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) headers['user-agent'] = USER_AGENT;
  if (hop.body !== undefined) headers['content-length'] = Buffer.byteLength(hop.body);
  const options = {
    host: address,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    method: hop.method,
    headers,
    setHost: false,
    agent: false as const,
    signal,
    // TLS: the certificate is checked against the name, the socket goes to the pinned address.
    ...(target.https && !target.literal ? { servername: target.host } : {}),
  };
  return new Promise((ok, fail) => {
    const req = (target.https ? httpsRequest : httpRequest)(options, ok);
    req.on('error', fail);
    req.end(hop.body);
  });
}

async function readCapped(response: IncomingMessage, max: number, subject: string): Promise<Buffer> {
  const tooLarge = () => new EgressRefusedError(`the response is larger than ${max} bytes`, subject);
  const declared = Number(response.headers['content-length'] ?? '0');
  if (declared > max) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > max) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function flatHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The request the next hop makes, as browsers do: 303 (and 301/302 after POST) become GET. */
function nextHop(hop: Hop, status: number, from: URL, to: URL): Hop {
  const toGet = (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST');
  let headers = hop.headers;
  if (to.origin !== from.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name.toLowerCase())));
  if (toGet) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
  return { method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body };
}

/**
 * Makes a tenant's request through the guard. Throws EgressRefusedError when the guard refuses
 * (scheme, credentials, address, too many redirects, too large a body), an Error naming the
 * origin when the time runs out, and the caller's abort reason when its signal aborts.
 */
export async function guardedFetch(url: string, request: GuardedRequest, policy: EgressPolicy, resolve: Resolver = systemResolver): Promise<GuardedResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  let hop: Hop = { method: request.method.toUpperCase(), headers: { ...request.headers }, body: request.body };
  let current = url;
  let subject = 'the target';
  try {
    for (let redirects = 0; ; redirects++) {
      const target = egressTarget(current, policy);
      subject = originOf(target.url);
      const address = await pinnedAddress(target, policy, resolve, signal);
      const response = await send(target, address, hop, signal);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
        const body = await readCapped(response, request.maxResponseBytes, subject);
        return { status: response.statusCode ?? 0, headers: flatHeaders(response), body, finalUrl: target.url.href, redirects };
      }
      response.destroy();
      if (redirects === MAX_REDIRECTS) throw new EgressRefusedError(`more than ${MAX_REDIRECTS} redirects`, subject);
      let next: URL;
      try {
        next = new URL(location, target.url);
      } catch {
        throw new Error(`${subject} redirected to an invalid URL`);
      }
      hop = nextHop(hop, response.statusCode!, target.url, next);
      current = next.href;
    }
  } catch (error) {
    if (timeout.aborted) throw new Error(`request to ${subject} timed out after ${request.timeoutMs} ms`);
    if (request.signal?.aborted) throw abortReason(request.signal);
    throw error;
  }
}
