/**
 * The contract across the trust boundary between the task runner (trusted: holds credentials,
 * reads the tables, records results) and the code executor (untrusted: runs tenant code, holds no
 * credential, table, bucket or key name). The runner sends everything one attempt needs; the
 * executor answers with the output and the log text. Both sides check what they receive: the
 * executor's answer is tenant-controlled data.
 */

/** What the task's exported function receives (docs/task-code.md). */
export interface TaskCallArgs {
  parameters: Record<string, unknown>;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  context: { run_id: string; task_name: string; attempt: number };
}

export interface CodeAttemptRequest {
  kind: 'code-attempt';
  /** The flow version's code: its hash (the unpack cache key) and a short-lived presigned GET of its ZIP. */
  artifact: { code_hash: string; url: string };
  /** Module path inside the artifact, and the export to call. */
  module: string;
  export: string;
  args: TaskCallArgs;
  timeout_ms: number;
  /** Wording of the timeout failure, e.g. "timed out after 30s". */
  timeout_message: string;
}

export type CodeAttemptResponse = { ok: true; output: unknown; log: string } | { ok: false; error: string; log: string };

/** Lambda's synchronous payload limit is 6 MB each way; keep a margin for the envelope. */
export const MAX_CODE_REQUEST_BYTES = 5_800_000;

const CODE_HASH = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a request on the executor's side; throws with the reason. */
export function parseCodeAttemptRequest(value: unknown): CodeAttemptRequest {
  if (!isRecord(value) || value.kind !== 'code-attempt') throw new Error('not a code-attempt request');
  const { artifact, module, args, timeout_ms, timeout_message } = value;
  if (!isRecord(artifact) || typeof artifact.code_hash !== 'string' || !CODE_HASH.test(artifact.code_hash) || typeof artifact.url !== 'string') {
    throw new Error('artifact must be {code_hash, url}');
  }
  if (typeof module !== 'string' || module === '' || typeof value.export !== 'string' || value.export === '') throw new Error('module and export are required');
  if (!isRecord(args) || !isRecord(args.parameters) || !isRecord(args.inputs) || !isRecord(args.secrets) || !isRecord(args.context)) {
    throw new Error('args must hold parameters, inputs, secrets and context');
  }
  if (typeof timeout_ms !== 'number' || !(timeout_ms > 0) || typeof timeout_message !== 'string') throw new Error('timeout_ms must be a positive number');
  return value as unknown as CodeAttemptRequest;
}

/** Checks an answer on the runner's side: anything malformed is a failed attempt, never a crash. */
export function parseCodeAttemptResponse(value: unknown): CodeAttemptResponse {
  if (!isRecord(value) || typeof value.ok !== 'boolean') return { ok: false, error: 'the code executor answered something that is not a result', log: '' };
  const log = typeof value.log === 'string' ? value.log : '';
  if (value.ok) return { ok: true, output: value.output === undefined ? null : value.output, log };
  return { ok: false, error: typeof value.error === 'string' ? value.error : 'the attempt failed without a reason', log };
}
