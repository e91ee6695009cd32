import type { Context } from 'aws-lambda';
import type { FunctionName } from '../catalogue/functions';
import { createAwsClients, type AwsClients, type AwsCommandObserver } from './aws-clients';
import { systemClock, type Clock } from './clock';
import { loadFunctionConfig, type EnvSource, type FunctionConfig } from './config';
import { createLogger, type LogSink, type Logger } from './logger';

/** What the host (Lambda or the local platform) may inject into a function. */
export interface FunctionDeps {
  clock?: Clock;
  logSink?: LogSink;
  /** Sees every AWS command a function sends (benchmarks count DynamoDB requests with it). */
  observeAws?: AwsCommandObserver;
  /** Told of every runtime created, so a long-lived host (the local platform) can close it. */
  onRuntime?: (runtime: Runtime) => void;
}

/** Everything a function needs at run time, built once per cold start. */
export interface Runtime {
  config: FunctionConfig;
  aws: AwsClients;
  clock: Clock;
  logger: Logger;
}

export function createRuntime(name: FunctionName, env: EnvSource, deps: FunctionDeps = {}): Runtime {
  const config = loadFunctionConfig(name, env);
  const runtime: Runtime = {
    config,
    aws: createAwsClients(config, deps.observeAws),
    clock: deps.clock ?? systemClock,
    logger: createLogger(name, deps.logSink),
  };
  deps.onRuntime?.(runtime);
  return runtime;
}

/** A function's handler; the same value Lambda calls and the local platform calls. */
export type FunctionHandler<E = unknown, R = unknown> = (event: E, context?: Context) => Promise<R>;

/**
 * Every function module under lambdas/ exports a factory of this type from its app module; its
 * Lambda entry calls it once with process.env, the local platform with the same variables.
 */
export type FunctionFactory<E = unknown, R = unknown> = (env: EnvSource, deps?: FunctionDeps) => FunctionHandler<E, R>;
