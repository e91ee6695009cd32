import { navigate } from '../router';
import { clearSession, loadSession } from './session';

/** A failed API call, from the API's one error shape `{error:{code,message,details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: Array<{ path: string; message: string }> } } | null)?.error;
  if (error !== undefined) return new ApiError(status, error.code ?? 'error', error.message ?? `HTTP ${status}`, error.details ?? []);
  return new ApiError(status, status === 403 ? 'forbidden' : 'error', `HTTP ${status}`);
}

/**
 * The session is over when the gateway refuses the credential itself: 401 (none sent) or the
 * authorizer's bare 403 `{"message":"Forbidden"}` (expired or revoked), as opposed to a 403 in the
 * error shape, which is a role lacking a permission.
 */
function sessionEnded(status: number, body: unknown): boolean {
  if (status === 401) return true;
  return status === 403 && typeof body === 'object' && body !== null && !('error' in body);
}

/** Sends the user to sign in, remembering the page to come back to. */
export function toSignIn(): void {
  clearSession();
  // Several calls of one page fail together: the first one sends the user on, keeping the page.
  if (location.pathname === '/signin') return;
  navigate(`/signin?next=${encodeURIComponent(`${location.pathname}${location.search}`)}`, { replace: true });
}

export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (session !== null) {
    headers.authorization = `Bearer ${session.token}`;
    if (session.org_id !== null) headers['x-dagy-org'] = session.org_id;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    if (session !== null && sessionEnded(res.status, parsed)) toSignIn();
    throw toApiError(res.status, parsed);
  }
  return parsed as T;
}

/** Query string of the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
