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

/** An SQS record as Lambda's event source hands it over (the fields the meter reads). */
export interface QueueRecord {
  messageId: string;
  body: string;
}

/** The usage meter's answer: the records to receive again (Lambda's partial batch response). */
export interface MeterBatchResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** The bus event a queued record carries (EventBridge's SQS target sends the event as the body), or null. */
function busEventOf(record: QueueRecord): BusEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const event = parsed as Record<string, unknown>;
  if (typeof event.source !== 'string' || typeof event['detail-type'] !== 'string' || typeof event.detail !== 'object' || event.detail === null) return null;
  return event as unknown as BusEvent;
}

/**
 * Meters a batch of queued bus events: each usage event is recorded once, whatever the
 * deliveries (usage-repository.ts, recordBatch). Records that did not settle (an event another
 * delivery is still applying, a failed write) are answered as failures, so SQS hands them out
 * again; a body that is not a bus event is answered as a failure too, to end in the dead-letter
 * queue rather than vanish.
 */
export async function meterBatch(deps: { usage: UsageRepository; logger: Logger }, batch: { Records: readonly QueueRecord[] }): Promise<MeterBatchResult> {
  const failures: Array<{ itemIdentifier: string }> = [];
  const metered: Array<{ record: QueueRecord; usage: UsageEventRecord }> = [];
  for (const record of batch.Records) {
    const event = busEventOf(record);
    if (event === null) {
      deps.logger.error('queued record is not a bus event', { message_id: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const usage = usageEventOf(event);
    if (usage !== null) metered.push({ record, usage });
  }
  const outcomes = await deps.usage.recordBatch(metered.map((m) => m.usage));
  let counted = 0;
  let duplicates = 0;
  outcomes.forEach((outcome, k) => {
    const { record, usage } = metered[k]!;
    if (outcome.status === 'counted') counted++;
    else if (outcome.status === 'duplicate') duplicates++;
    else {
      deps.logger.warn('usage event not settled: received again later', { org_id: usage.org_id, event_id: usage.event_id, reason: outcome.reason });
      failures.push({ itemIdentifier: record.messageId });
    }
  });
  deps.logger.info('usage batch metered', { records: batch.Records.length, counted, duplicates, retried: failures.length });
  return { batchItemFailures: failures };
}
