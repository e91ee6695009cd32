import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionFactory } from '../../shared/runtime';
import { parseCodeAttemptRequest, type CodeAttemptResponse } from './contract';
import { CodeExecutor, PresignedArtifactCache } from './execute-code';

/**
 * The code-executor function: one attempt of tenant code per invocation, invoked synchronously by
 * the task runner with TenantId = org_id (the function is deployed with per-tenant isolation, so an
 * execution environment, its /tmp and its pooled sandboxes never serve two organizations). It reads
 * no configuration: its role grants nothing but its own log writes, and its environment names no
 * table, bucket, key or bus.
 */
export const createFunction: FunctionFactory<unknown, CodeAttemptResponse> = () => {
  const executor = new CodeExecutor(new PresignedArtifactCache(join(tmpdir(), 'dagy-code')));
  return async (event) => {
    let request;
    try {
      request = parseCodeAttemptRequest(event);
    } catch (error) {
      return { ok: false, error: `bad code-executor request: ${error instanceof Error ? error.message : String(error)}`, log: '' };
    }
    return executor.run(request);
  };
};
