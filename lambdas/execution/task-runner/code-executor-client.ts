import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { MAX_CODE_REQUEST_BYTES, parseCodeAttemptResponse, type CodeAttemptRequest, type CodeAttemptResponse } from '../code-executor/contract';

/** The trusted side's view of the code executor: one attempt in, its output and log out. */
export interface CodeExecutorClient {
  run(orgId: string, request: CodeAttemptRequest, signal?: AbortSignal): Promise<CodeAttemptResponse>;
}

/**
 * Invokes the code-executor function synchronously with TenantId = org_id (per-tenant isolation:
 * Lambda never lets an execution environment serve two organizations). On the local platform the
 * same call reaches the organization's own executor process. Never rejects: a failed invocation is
 * a failed attempt with its reason.
 */
export function lambdaCodeExecutor(lambda: LambdaClient, functionName: string): CodeExecutorClient {
  return {
    async run(orgId, request, signal) {
      const payload = JSON.stringify(request);
      if (Buffer.byteLength(payload) > MAX_CODE_REQUEST_BYTES) {
        return { ok: false, error: 'the attempt\'s parameters, inputs and secrets exceed the 6 MB a code executor invocation can carry', log: '' };
      }
      try {
        const out = await lambda.send(
          new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', TenantId: orgId, Payload: Buffer.from(payload) }),
          signal ? { abortSignal: signal } : {},
        );
        const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
        if (out.FunctionError !== undefined) {
          return { ok: false, error: `the code executor failed (${out.FunctionError}): ${errorMessageOf(text)}`, log: '' };
        }
        return parseCodeAttemptResponse(text === '' ? null : (JSON.parse(text) as unknown));
      } catch (error) {
        if (signal?.aborted) {
          const reason: unknown = signal.reason;
          return { ok: false, error: reason instanceof Error ? reason.message : 'attempt stopped', log: '' };
        }
        return { ok: false, error: `could not reach the code executor: ${error instanceof Error ? error.message : String(error)}`, log: '' };
      }
    },
  };
}

function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 500) || 'no detail';
}
