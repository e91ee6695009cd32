import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One data point, as the local platform and tests see it. */
export interface MetricPoint {
  name: string;
  value: number;
  unit: 'Count' | 'Milliseconds';
  dimensions: Record<string, string>;
}
export type MetricSink = (point: MetricPoint) => void;

/**
 * Business metrics of Dagy (run and task outcomes and durations by executor, admission refusals,
 * stuck runs). In AWS: CloudWatch EMF lines through Powertools Metrics, namespace from
 * POWERTOOLS_METRICS_NAMESPACE (set per install and stage by lib/constructs/dagy-function.ts).
 */
export interface MetricsRecorder {
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
  durationMs(name: string, ms: number, dimensions?: Record<string, string>): void;
}

export interface MetricsSettings {
  namespace: string;
  serviceName: string;
  /** POWERTOOLS_METRICS_DISABLED: no EMF output (the local platform). */
  disabled: boolean;
}

/**
 * Each point is emitted at once as its own EMF document (singleMetric), so a point needs no flush
 * and dimensions never leak from one point to the next.
 */
export function createMetrics(settings: MetricsSettings, sink?: MetricSink): MetricsRecorder {
  const emf = settings.disabled ? undefined : new Metrics({ namespace: settings.namespace, serviceName: settings.serviceName });
  const record = (point: MetricPoint) => {
    sink?.(point);
    if (emf === undefined) return;
    const single = emf.singleMetric();
    for (const [key, value] of Object.entries(point.dimensions)) single.addDimension(key, value);
    single.addMetric(point.name, point.unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, point.value);
  };
  return {
    count: (name, value = 1, dimensions = {}) => record({ name, value, unit: 'Count', dimensions }),
    durationMs: (name, ms, dimensions = {}) => record({ name, value: ms, unit: 'Milliseconds', dimensions }),
  };
}
