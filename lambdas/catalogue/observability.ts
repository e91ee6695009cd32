/**
 * What the functions log and measure, shared by the runtime (lambdas/shared/logger.ts, metrics.ts)
 * and by lib/ (every function's environment, alarms, the dashboard), so the two cannot drift.
 */

/** Powertools variables: lib/constructs/dagy-function.ts sets them on every function, the local platform too. */
export const OBSERVABILITY_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  /** Also accepted (Lambda's own name for it) when POWERTOOLS_LOG_LEVEL is absent. */
  logLevelAlias: 'LOG_LEVEL',
  logSampleRate: 'POWERTOOLS_LOGGER_SAMPLE_RATE',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

/** The CloudWatch namespace of one install's metrics (instance prefix and stage). */
export function metricsNamespace(instance: string, stage: string): string {
  return `Dagy/${instance}-${stage}`;
}

/** Business metric names (Count or Milliseconds), with the dimensions each carries. */
export const METRIC = {
  /** Count; dimensions executor, status (SUCCEEDED|FAILED|CANCELLED). */
  runsFinished: 'RunsFinished',
  /** Milliseconds from started_at to completed_at; dimension executor. */
  runDuration: 'RunDuration',
  /** Count; dimensions executor, status. */
  taskRunsFinished: 'TaskRunsFinished',
  /** Milliseconds of an attempt; dimension executor. */
  taskRunDuration: 'TaskRunDuration',
  /** Count; dimension reason (the limit that refused a run). */
  admissionRefused: 'AdmissionRefused',
  /** Count of runs the reconciler found stuck in one sweep (no dimension). */
  stuckRunsFound: 'StuckRunsFound',
} as const;
