/** Exit codes of the CLI (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** A failed run, a refused request, bad input. */
  failure: 1,
  /** A cancelled run. */
  cancelled: 2,
  /** The platform cannot be reached at the URL, or rejects the credentials. */
  connection: 3,
} as const;

/** An error the CLI reports as one line on stderr, with its exit code; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: { path?: string; message?: string }[] };
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** The API's error shape on one line: `message (code): path: message; path: message`. */
export function formatApiError(status: number, body: unknown): string {
  if (!isApiErrorBody(body)) return `the API answered ${status}`;
  const { code, message, details } = body.error;
  const fields = (details ?? []).map((d) => (d.path ? `${d.path}: ${d.message ?? ''}` : (d.message ?? ''))).filter((t) => t !== '');
  return `${message} (${status} ${code})${fields.length > 0 ? `: ${fields.join('; ')}` : ''}`.replace(/\s*\n\s*/g, ' ');
}
