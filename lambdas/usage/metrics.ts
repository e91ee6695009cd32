/**
 * The metrics usage aggregates count, per organization and period (UsageAggregate sk
 * `period#metric`). Task metrics carry the executor the attempt ran on: `task_seconds.lambda`.
 */
export const RUN_METRICS = ['runs_started', 'runs_finished', 'runs_succeeded', 'runs_failed', 'runs_cancelled'] as const;
export const COST_METRIC = 'cost_usd';
export const ARTIFACT_BYTES_METRIC = 'artifact_bytes';

export function taskSecondsMetric(executor: string): string {
  return `task_seconds.${executor}`;
}
export function taskAttemptsMetric(executor: string): string {
  return `task_attempts.${executor}`;
}

/** Metric names are lower-case words, dots and underscores (they are part of a key). */
export const METRIC_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
