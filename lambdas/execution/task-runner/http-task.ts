import type { JsonObject, JsonValue, NormalizedHttpTaskSpec } from '../../engine';
import { EgressRefusedError, guardedFetch, type EgressPolicy, type Resolver } from '../../shared/egress';
import { renderTemplate, TemplateError, type TemplateValues } from '../../shared/http-template';

export type HttpTaskResult = { ok: true; output: { status: number; body: unknown }; log: string } | { ok: false; error: string; log: string };

const MAX_ERROR_BODY = 500;
/** A response body beyond this is refused (an output is at most 256 KB anyway). */
export const HTTP_TASK_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpTaskOptions {
  timeoutMs: number;
  timeoutMessage: string;
  signal?: AbortSignal;
  /** The task's declared secrets, for `{{ secrets.NAME }}`. */
  secrets: Record<string, string>;
  /** The attempt's parameters (run over task), for `{{ parameters.path }}`. */
  parameters: JsonObject;
  egress: EgressPolicy;
  /** Tests only: answers DNS questions instead of the system resolver. */
  resolve?: Resolver;
}

interface RenderedRequest {
  url: string;
  headers: Record<string, string>;
  body: JsonValue | undefined;
}

function renderBody(value: JsonValue | undefined, values: TemplateValues): JsonValue | undefined {
  if (typeof value === 'string') return renderTemplate(value, values);
  if (Array.isArray(value)) return value.map((item) => renderBody(item, values) as JsonValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderBody(v, values) as JsonValue]));
  return value;
}

/** Templates filled in: header values and body strings as they are, query values URL-encoded. */
function render(task: NormalizedHttpTaskSpec, values: TemplateValues): RenderedRequest {
  const { url, headers, body } = task.request;
  const query = url.indexOf('?');
  return {
    url: query === -1 ? url : url.slice(0, query) + renderTemplate(url.slice(query), values, encodeURIComponent),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, renderTemplate(value, values)])),
    body: renderBody(body, values),
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}

/**
 * An http task: makes the request through the egress guard (body sent as JSON), bounded by the
 * task's timeout, and takes the response as its output, {status, body} with body parsed as JSON
 * when it is JSON and text otherwise. A non-2xx status fails the attempt. The log line names the
 * URL as the spec writes it (templates unfilled) and never a header value.
 */
export async function runHttpTask(task: NormalizedHttpTaskSpec, options: HttpTaskOptions): Promise<HttpTaskResult> {
  const { request } = task;
  const line = `${request.method} ${request.url}`;
  let rendered: RenderedRequest;
  try {
    rendered = render(task, { secrets: options.secrets, parameters: options.parameters });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false, error: `template: ${error.message}`, log: `${line} not sent: ${error.message}\n` };
  }
  const headers = { ...rendered.headers };
  const hasBody = rendered.body !== undefined && request.method !== 'GET';
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response;
  try {
    response = await guardedFetch(
      rendered.url,
      {
        method: request.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(rendered.body) } : {}),
        // The guard's own clock is a backstop: the task's timeout below names the failure.
        timeoutMs: options.timeoutMs + 1000,
        maxResponseBytes: HTTP_TASK_MAX_RESPONSE_BYTES,
        signal,
      },
      options.egress,
      ...(options.resolve ? [options.resolve] : []),
    );
  } catch (error) {
    if (timeout.aborted) return { ok: false, error: options.timeoutMessage, log: `${line} timed out\n` };
    if (error instanceof EgressRefusedError) return { ok: false, error: error.message, log: `${line} refused: ${error.reason}\n` };
    const message = reasonOf(options.signal?.aborted ? options.signal.reason : error);
    return { ok: false, error: `request failed: ${message}`, log: `${line} failed: ${message}\n` };
  }
  const text = response.body.toString('utf8');
  const redirected = response.redirects > 0 ? ` after ${response.redirects} redirect(s)` : '';
  const log = `${line} -> ${response.status}${redirected} (${response.body.length} bytes)\n`;
  if (response.status < 200 || response.status > 299) {
    const snippet = text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text;
    return { ok: false, error: `HTTP ${response.status}${snippet === '' ? '' : `: ${snippet}`}`, log };
  }
  const type = response.headers['content-type'] ?? '';
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
