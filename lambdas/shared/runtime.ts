import type { Context } from 'aws-lambda';
import type { FunctionName } from '../catalogue/functions';
import { OBSERVABILITY_ENV } from '../catalogue/observability';
import { createAwsClients, type AwsClientMiddleware, type AwsClients, type AwsCommandObserver } from './aws-clients';
import { systemClock, type Clock } from './clock';
import { ConfigError, loadFunctionConfig, type EnvSource, type FunctionConfig } from './config';
import { createLogger, isLogLevel, type LogSink, type Logger, type LoggerSettings } from './logger';
import { createMetrics, type MetricSink, type MetricsRecorder } from './metrics';
import type { TracerFactory } from './tracer';

/** What the host (Lambda or the local platform) may inject into a function. */
export interface FunctionDeps {
  clock?: Clock;
  logSink?: LogSink;
  /** Sees every business metric point (the local platform, tests); EMF output follows the env. */
  metricSink?: MetricSink;
  /** Sees every AWS command a function sends (benchmarks count DynamoDB requests with it). */
  observeAws?: AwsCommandObserver;
  /** Told of every runtime created, so a long-lived host (the local platform) can close it. */
  onRuntime?: (runtime: Runtime) => void;
  /** Each function's AWS clients get this middleware (fault injection on the local platform). */
  awsMiddleware?: AwsClientMiddleware;
  /** X-Ray for the AWS clients: given by the Lambda entries only (lambda-entry.ts says why). */
  tracer?: TracerFactory;
}

/** Everything a function needs at run time, built once per cold start. */
export interface Runtime {
  config: FunctionConfig;
  aws: AwsClients;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRecorder;
}

/** The function's logging settings: level from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL), default INFO. */
export function loggerSettings(name: string, env: EnvSource): LoggerSettings {
  const raw = (env[OBSERVABILITY_ENV.logLevel] || env[OBSERVABILITY_ENV.logLevelAlias] || 'INFO').toUpperCase();
  if (!isLogLevel(raw)) throw new ConfigError(`function ${name}: ${OBSERVABILITY_ENV.logLevel}=${raw} is not a log level`);
  const rate = env[OBSERVABILITY_ENV.logSampleRate];
  const sampleRate = rate === undefined || rate === '' ? 0 : Number(rate);
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new ConfigError(`function ${name}: ${OBSERVABILITY_ENV.logSampleRate}=${String(rate)} is not within 0..1`);
  return { serviceName: env[OBSERVABILITY_ENV.serviceName] || name, level: raw, sampleRate };
}

export function createRuntime(name: FunctionName, env: EnvSource, deps: FunctionDeps = {}): Runtime {
  const config = loadFunctionConfig(name, env);
  const settings = loggerSettings(name, env);
  const tracer = deps.tracer?.(settings.serviceName, env);
  const runtime: Runtime = {
    config,
    aws: createAwsClients(config, { observe: deps.observeAws, tracer, middleware: deps.awsMiddleware }),
    clock: deps.clock ?? systemClock,
    logger: createLogger(settings, deps.logSink),
    metrics: createMetrics(
      {
        namespace: env[OBSERVABILITY_ENV.metricsNamespace] || `Dagy/${config.stage}`,
        serviceName: settings.serviceName,
        disabled: env[OBSERVABILITY_ENV.metricsDisabled] === 'true',
      },
      deps.metricSink,
    ),
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
