import type { NormalizedHttpTaskSpec } from '../../engine';

export type HttpTaskResult = { ok: true; output: { status: number; body: unknown }; log: string } | { ok: false; error: string; log: string };

const MAX_ERROR_BODY = 500;

/**
 * An http task: makes the request (body sent as JSON), bounded by the task's timeout, and takes
 * the response as its output, {status, body} with body parsed as JSON when it is JSON and text
 * otherwise. A non-2xx status fails the attempt.
 */
export async function runHttpTask(
  task: NormalizedHttpTaskSpec,
  options: { timeoutMs: number; timeoutMessage: string; signal?: AbortSignal; fetchImpl?: typeof fetch },
): Promise<HttpTaskResult> {
  const { request } = task;
  const headers: Record<string, string> = { ...request.headers };
  const hasBody = request.body !== undefined && request.method !== 'GET';
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const line = `${request.method} ${request.url}`;
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(request.url, {
      method: request.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      signal,
      redirect: 'follow',
    });
  } catch (error) {
    if (timeout.aborted) return { ok: false, error: options.timeoutMessage, log: `${line} timed out\n` };
    const reason = options.signal?.aborted ? options.signal.reason : error;
    const message = reason instanceof Error ? (reason.cause instanceof Error ? `${reason.message}: ${reason.cause.message}` : reason.message) : String(reason);
    return { ok: false, error: `request failed: ${message}`, log: `${line} failed: ${message}\n` };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const message = timeout.aborted ? options.timeoutMessage : `reading the response failed: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, error: message, log: `${line} -> ${response.status}, body unreadable\n` };
  }
  const log = `${line} -> ${response.status} (${Buffer.byteLength(text)} bytes)\n`;
  if (response.status < 200 || response.status > 299) {
    const snippet = text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text;
    return { ok: false, error: `HTTP ${response.status}${snippet === '' ? '' : `: ${snippet}`}`, log };
  }
  const type = response.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (/\bjson\b/i.test(type) && text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  return { ok: true, output: { status: response.status, body }, log };
}
