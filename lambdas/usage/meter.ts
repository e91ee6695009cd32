import { EMITTED_EVENTS } from '../catalogue/events';
import type { RunStatusChangedDetail, TaskRunStatusChangedDetail } from '../execution/run-events';
import type { Logger } from '../shared/logger';
import { COST_METRIC, taskAttemptsMetric, taskSecondsMetric } from './metrics';
import { periodOf } from './period';
import type { UsageEventRecord, UsageRepository } from './usage-repository';

/** An EventBridge event as a rule's Lambda target receives it (the fields the meter reads). */
export interface BusEvent<D = unknown> {
  id?: string;
  source: string;
  'detail-type': string;
  detail: D;
}

const TERMINAL_RUN = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

function iso(value: string | null | undefined, fallback: string): string {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? new Date(value).toISOString() : fallback;
}

function seconds(from: string | null, to: string): number {
  if (from === null) return 0;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) / 1000 : 0;
}

/** Executors become part of metric names: keep them to a known, key-safe shape. */
function executorName(value: string | null): string {
  return value !== null && /^[a-z][a-z0-9-]{0,31}$/.test(value) ? value : 'unknown';
}

/**
 * The usage event a "Run Status Changed" event stands for: run_started when the run turned
 * RUNNING, run_finished (with the run's modelled cost) when it ended; null for anything else.
 * Its id and time come from the run, so a second delivery maps to the same key.
 */
export function runUsageEvent(detail: RunStatusChangedDetail & { cost_usd?: number | null }): UsageEventRecord | null {
  const attributes = { run_id: detail.run_id, flow_name: detail.flow_name, executor: detail.executor, trigger_type: detail.trigger_type, status: detail.status };
  if (detail.status === 'RUNNING') {
    const eventTime = iso(detail.started_at, detail.occurred_at);
    return {
      org_id: detail.org_id,
      event_id: `run_started:${detail.run_id}`,
      event_time: eventTime,
      period: periodOf(eventTime),
      event_type: 'run_started',
      resource_type: 'run',
      resource_id: detail.run_id,
      metrics: { runs_started: 1 },
      attributes,
    };
  }
  if (!TERMINAL_RUN.has(detail.status)) return null;
  const eventTime = iso(detail.completed_at, detail.occurred_at);
  const metrics: Record<string, number> = { runs_finished: 1, [`runs_${detail.status.toLowerCase()}`]: 1 };
  const cost = typeof detail.cost_usd === 'number' && Number.isFinite(detail.cost_usd) ? detail.cost_usd : 0;
  if (cost > 0) metrics[COST_METRIC] = cost;
  return {
    org_id: detail.org_id,
    event_id: `run_finished:${detail.run_id}`,
    event_time: eventTime,
    period: periodOf(eventTime),
    event_type: 'run_finished',
    resource_type: 'run',
    resource_id: detail.run_id,
    metrics,
    attributes: { ...attributes, cost_usd: cost, duration_seconds: seconds(detail.started_at, eventTime) },
  };
}

/**
 * The usage event a "Task Run Status Changed" event stands for when an attempt ended (it left
 * RUNNING: succeeded, failed, or went back to PENDING for a retry): the attempt's task seconds
 * on its executor. One per (task run, attempt).
 */
export function taskUsageEvent(detail: TaskRunStatusChangedDetail): UsageEventRecord | null {
  if (detail.previous_status !== 'RUNNING' || detail.status === 'RUNNING') return null;
  // A retry (→ PENDING) has no completed_at: the attempt ended when the event was published.
  const eventTime = iso(detail.completed_at, detail.occurred_at);
  const executor = executorName(detail.executor);
  return {
    org_id: detail.org_id,
    event_id: `task_attempt:${detail.task_run_id}:${detail.attempt}`,
    event_time: eventTime,
    period: periodOf(eventTime),
    event_type: 'task_attempt',
    resource_type: 'task_run',
    resource_id: detail.task_run_id,
    metrics: { [taskAttemptsMetric(executor)]: 1, [taskSecondsMetric(executor)]: seconds(detail.started_at, eventTime) },
    attributes: { run_id: detail.run_id, task_name: detail.task_name, attempt: detail.attempt, executor, status: detail.status },
  };
}

export function usageEventOf(event: BusEvent): UsageEventRecord | null {
  if (event.source !== EMITTED_EVENTS.runStatusChanged.source) return null;
  if (event['detail-type'] === EMITTED_EVENTS.runStatusChanged.detailType) return runUsageEvent(event.detail as RunStatusChangedDetail);
  if (event['detail-type'] === EMITTED_EVENTS.taskRunStatusChanged.detailType) return taskUsageEvent(event.detail as TaskRunStatusChangedDetail);
  return null;
}

export interface MeterResult {
  event_id: string | null;
  /** false: not metered, or already counted by an earlier delivery. */
  counted: boolean;
}

/** Meters one bus event: records its usage event and aggregates once, whatever the deliveries. */
export async function meterEvent(deps: { usage: UsageRepository; logger: Logger }, event: BusEvent): Promise<MeterResult> {
  const usage = usageEventOf(event);
  if (usage === null) return { event_id: null, counted: false };
  const counted = await deps.usage.record(usage);
  if (!counted) deps.logger.info('usage event already counted', { org_id: usage.org_id, event_id: usage.event_id });
  return { event_id: usage.event_id, counted };
}
