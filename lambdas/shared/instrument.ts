import type { Context } from 'aws-lambda';
import { invocationKeys, type LogFields } from './logger';
import type { EnvSource } from './config';
import type { FunctionDeps, FunctionFactory, FunctionHandler, Runtime } from './runtime';

const CORRELATION_KEYS = ['org_id', 'run_id', 'task_name'] as const;

/**
 * org_id / run_id / task_name of an invocation, wherever the event carries them: at the top
 * (orchestrator advance, task runner), under `input` (Start), `state` (Finalize) or `detail`
 * (EventBridge events).
 */
export function correlationKeys(event: unknown): LogFields {
  const keys: LogFields = {};
  const candidates = [event, field(event, 'input'), field(event, 'state'), field(event, 'detail')];
  for (const candidate of candidates) {
    for (const key of CORRELATION_KEYS) {
      const value = field(candidate, key);
      if (keys[key] === undefined && typeof value === 'string' && value !== '') keys[key] = value;
    }
  }
  return keys;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The runtime wrapper around every invocation, in Lambda and on the local platform: the request
 * id and correlation keys go into every log line of the invocation, and an error that escapes
 * the handler is logged with its stack before it propagates (Lambda would print it unstructured).
 */
export function instrumentHandler<E, R>(handler: FunctionHandler<E, R>, runtimeOf: () => Runtime | undefined): FunctionHandler<E, R> {
  let coldStart = true;
  return (event, context?: Context) => {
    const keys: LogFields = { ...correlationKeys(event), ...(context !== undefined ? { function_request_id: context.awsRequestId } : {}), cold_start: coldStart };
    coldStart = false;
    return invocationKeys.run(keys, async () => {
      try {
        return await handler(event, context);
      } catch (error) {
        runtimeOf()?.logger.error('invocation failed', { error });
        throw error;
      }
    });
  };
}

/** Builds a function from its factory and wraps it (the Lambda entries and the local host use this). */
export function instrumentedFunction<E, R>(factory: FunctionFactory<E, R>, env: EnvSource, deps: FunctionDeps = {}): FunctionHandler<E, R> {
  let runtime: Runtime | undefined;
  const handler = factory(env, {
    ...deps,
    onRuntime: (r) => {
      runtime = r;
      deps.onRuntime?.(r);
    },
  });
  return instrumentHandler(handler, () => runtime);
}
