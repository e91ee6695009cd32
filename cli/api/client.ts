import createClient, { type Client } from 'openapi-fetch';
import { CliError, EXIT, formatApiError, isApiErrorBody } from '../errors';
import type { paths } from './schema.gen';

// The typed API client (openapi-fetch over the generated `paths`), used by the CLI and the SDK's
// deploy code. Network failures, rejected credentials and answers that are not Dagy's error shape
// become one-line CliErrors with exit code 3.

export type DagyApi = Client<paths>;

export interface Connection {
  url: string;
  api: DagyApi;
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  return cause instanceof Error ? cause.message : String(cause);
}

export function connect(url: string, apiKey: string): Connection {
  const base = url.replace(/\/+$/, '');
  const guarded = async (request: Request): Promise<Response> => {
    try {
      return await fetch(request);
    } catch (error) {
      throw new CliError(`cannot reach Dagy at ${base}: ${describeNetworkError(error)} (check --url / DAGY_URL)`, EXIT.connection);
    }
  };
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new CliError(`'${url}' is not a URL (expected e.g. http://127.0.0.1:3000)`, EXIT.connection);
  }
  const api = createClient<paths>({ baseUrl: parsed.href.replace(/\/+$/, ''), headers: { authorization: `Bearer ${apiKey}` }, fetch: guarded });
  return { url: base, api };
}

interface ApiResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The answer's data, or a CliError worded from the API's error shape. */
export async function unwrap<D>(call: Promise<ApiResult<D>>): Promise<NonNullable<D>> {
  const { data, error, response } = await call;
  if (response.ok) return data as NonNullable<D>;
  const where = new URL(response.url || 'http://unknown/').origin;
  if (response.status === 401) {
    throw new CliError(`authentication failed: ${where} rejected the API key (${isApiErrorBody(error) ? error.error.message : 'unauthorized'})`, EXIT.connection);
  }
  // The gateway's answer for a path it does not route: the URL points beside the API.
  if (!isApiErrorBody(error) || (response.status === 404 && error.error.message === 'route not found')) {
    throw new CliError(`${where} does not look like a Dagy API: ${new URL(response.url || 'http://unknown/').pathname} answered ${response.status} (check --url / DAGY_URL: the platform's base URL, without /v1)`, EXIT.connection);
  }
  throw new CliError(formatApiError(response.status, error), EXIT.failure);
}

/** Like unwrap, but hands back the HTTP status too (201 created vs 200 unchanged). */
export async function unwrapWithStatus<D>(call: Promise<ApiResult<D>>): Promise<{ status: number; data: NonNullable<D> }> {
  const result = await call;
  const data = await unwrap(Promise.resolve(result));
  return { status: result.response.status, data };
}
