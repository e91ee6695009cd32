import type { FunctionFactory, FunctionHandler } from './runtime';
import { instrumentedFunction } from './instrument';
import { createTracer } from './tracer';

/**
 * A Lambda entry's handler: its factory built with process.env and wrapped (instrumentedFunction),
 * with the X-Ray tracer. Only the entries import the tracer: loading the X-Ray SDK installs an
 * async hook on every promise of the process (its context tracking), whether tracing is on or not.
 * In a Lambda that is the price of tracing; on the local platform, which hosts every function, the
 * gateway and the state machine runner in one process, it cost about 8 % of the busy CPU and no
 * trace is ever sent (POWERTOOLS_TRACE_ENABLED=false).
 */
export function lambdaHandler<E, R>(factory: FunctionFactory<E, R>): FunctionHandler<E, R> {
  return instrumentedFunction(factory, process.env, { tracer: createTracer });
}
