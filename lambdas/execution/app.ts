import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';

/** The execution domain's HTTP function: one router for all of its catalogued routes. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-execution', env, deps);
  return createHttpHandler({
    domain: 'execution',
    runtime,
    operations: {},
  });
};
