import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { ok } from '../shared/http/responses';
import type { ApiResponse } from '../shared/http/types';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { checkHealth } from './health';
import { buildOpenApiDocument } from './openapi';

/** The platform domain: health, the OpenAPI document, and the $default route (404/405). */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-platform', env, deps);
  return createHttpHandler({
    domain: 'platform',
    runtime,
    operations: {
      health: async (): Promise<ApiResponse> => {
        const report = await checkHealth(runtime);
        return { status: report.status === 'ok' ? 200 : 503, body: report };
      },
      openapi: async () => ok(buildOpenApiDocument()),
    },
  });
};
