/*
 * Stands in for @aws-lambda-powertools/tracer in the function threads' bundle
 * (local/function-threads.ts). Locally tracing is always off (POWERTOOLS_TRACE_ENABLED=false, see
 * local/function-env.ts), so lambdas/shared/tracer.ts never constructs a Tracer; but merely
 * importing the real module loads the X-Ray SDK, whose cls-hooked namespace enables an async hook
 * with a destroy callback on every promise of the thread: about a fifth of a busy function
 * thread's CPU in the scale bench, for nothing.
 */
export class Tracer {
  constructor() {
    throw new Error('tracing is off on the local platform (POWERTOOLS_TRACE_ENABLED=false)');
  }
}
