import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EMITTED_EVENTS } from '../catalogue/events';
import { METRIC } from '../catalogue/observability';
import type { RunStatus, TaskStatus } from '../engine';
import { isTerminalRunStatus, isTerminalTaskStatus } from '../engine';
import { forEachBounded } from '../shared/bounded';
import { isoNow, type Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { MetricsRecorder } from '../shared/metrics';
import type { RunRecord } from './run-repository';
import type { TaskRunRecord } from './task-run-repository';

/** detail of "Run Status Changed" (source dagy.execution). */
export interface RunStatusChangedDetail {
  org_id: string;
  run_id: string;
  run_slug: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  executor: string;
  status: RunStatus;
  previous_status: RunStatus | null;
  trigger_type: string;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  /** The run's modelled cost in USD, once it ended (null before, or when it was not recorded). */
  cost_usd: number | null;
  occurred_at: string;
}

/** detail of "Task Run Status Changed" (source dagy.execution). */
export interface TaskRunStatusChangedDetail {
  org_id: string;
  run_id: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  task_run_id: string;
  task_name: string;
  status: TaskStatus;
  previous_status: TaskStatus | null;
  attempt: number;
  executor: string | null;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  output_ref: string | null;
  occurred_at: string;
}

/** The run fields a task event carries (a RunRecord fits). */
export type RunContext = Pick<RunRecord, 'org_id' | 'run_id' | 'flow_name' | 'flow_version' | 'deployment_name'>;

export interface RunEventPublisher {
  /**
   * Publishes "Run Status Changed" for a run after a transition this writer WON. `previous`
   * defaults to the run's previous_status (set by every transition).
   */
  runStatusChanged(run: RunRecord, previous?: RunStatus | null): Promise<void>;
  /** Publishes "Task Run Status Changed" for task runs after transitions this writer won. */
  taskRunStatusChanged(run: RunContext, taskRuns: TaskRunRecord | TaskRunRecord[]): Promise<void>;
}

export interface RunEventPublisherOptions {
  events: EventBridgeClient;
  busName: string;
  clock: Clock;
  logger: Logger;
  /** Run and task outcomes and durations by executor are counted here, where every transition is published. */
  metrics?: MetricsRecorder;
  /**
   * Failures are logged and swallowed by default: the state change they report is already
   * committed and must not be undone or retried by the caller because a notification failed.
   */
  throwOnError?: boolean;
}

const PUT_EVENTS_BATCH = 10;
/** PutEvents requests of one call out at once (EventBridge does not keep order across requests anyway). */
const PUT_EVENTS_IN_FLIGHT = 4;

export function runStatusChangedDetail(run: RunRecord, previous: RunStatus | null, occurredAt: string): RunStatusChangedDetail {
  return {
    org_id: run.org_id,
    run_id: run.run_id,
    run_slug: run.run_slug,
    flow_name: run.flow_name,
    flow_version: run.flow_version,
    deployment_name: run.deployment_name,
    executor: run.executor,
    status: run.status,
    previous_status: previous,
    trigger_type: run.trigger_type,
    started_at: run.started_at,
    completed_at: run.completed_at,
    error_message: run.error_message,
    cost_usd: run.cost?.total_usd ?? null,
    occurred_at: occurredAt,
  };
}

export function taskRunStatusChangedDetail(run: RunContext, t: TaskRunRecord, occurredAt: string): TaskRunStatusChangedDetail {
  return {
    org_id: run.org_id,
    run_id: run.run_id,
    flow_name: run.flow_name,
    flow_version: run.flow_version,
    deployment_name: run.deployment_name,
    task_run_id: t.task_run_id,
    task_name: t.task_name,
    status: t.status,
    previous_status: t.previous_status,
    attempt: t.attempt,
    executor: t.executor,
    started_at: t.started_at,
    completed_at: t.completed_at,
    error_message: t.error_message,
    output_ref: t.output_ref,
    occurred_at: occurredAt,
  };
}

/** EventBridge PutEvents on the Dagy bus (DAGY_EVENT_BUS_NAME), 10 entries per request. */
export function createRunEventPublisher(options: RunEventPublisherOptions): RunEventPublisher {
  const { events, busName, clock, logger } = options;

  async function put(entries: PutEventsRequestEntry[]): Promise<void> {
    const batches: PutEventsRequestEntry[][] = [];
    for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) batches.push(entries.slice(i, i + PUT_EVENTS_BATCH));
    // A few requests at once: an ECS report of a fan-out publishes hundreds of transitions.
    await forEachBounded(batches, PUT_EVENTS_IN_FLIGHT, async (batch) => {
      try {
        const out = await events.send(new PutEventsCommand({ Entries: batch }));
        if ((out.FailedEntryCount ?? 0) > 0) {
          const failed = (out.Entries ?? []).filter((e) => e.ErrorCode !== undefined).map((e) => `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`);
          throw new Error(`PutEvents: ${out.FailedEntryCount} entries failed (${failed.join('; ')})`);
        }
      } catch (error) {
        if (options.throwOnError) throw error;
        logger.error('run event publish failed', {
          error: error instanceof Error ? error.message : String(error),
          detail_types: [...new Set(batch.map((e) => e.DetailType))],
        });
      }
    });
  }

  const metrics = options.metrics;
  const durationMs = (startedAt: string | null, completedAt: string | null): number | null =>
    startedAt === null || completedAt === null ? null : Math.max(0, Date.parse(completedAt) - Date.parse(startedAt));

  return {
    async runStatusChanged(run, previous) {
      if (metrics !== undefined && isTerminalRunStatus(run.status)) {
        metrics.count(METRIC.runsFinished, 1, { executor: run.executor, status: run.status });
        const ms = durationMs(run.started_at, run.completed_at);
        if (ms !== null) metrics.durationMs(METRIC.runDuration, ms, { executor: run.executor });
      }
      const detail = runStatusChangedDetail(run, previous === undefined ? run.previous_status : previous, isoNow(clock));
      await put([
        {
          EventBusName: busName,
          Source: EMITTED_EVENTS.runStatusChanged.source,
          DetailType: EMITTED_EVENTS.runStatusChanged.detailType,
          Resources: run.external_id === null ? [] : [run.external_id],
          Detail: JSON.stringify(detail),
        },
      ]);
    },
    async taskRunStatusChanged(run, taskRuns) {
      const list = Array.isArray(taskRuns) ? taskRuns : [taskRuns];
      const now = isoNow(clock);
      for (const t of metrics === undefined ? [] : list) {
        if (!isTerminalTaskStatus(t.status) || t.status === 'SKIPPED') continue;
        const executor = t.executor ?? 'none';
        metrics!.count(METRIC.taskRunsFinished, 1, { executor, status: t.status });
        const ms = durationMs(t.started_at, t.completed_at);
        if (ms !== null) metrics!.durationMs(METRIC.taskRunDuration, ms, { executor });
      }
      await put(
        list.map((t) => ({
          EventBusName: busName,
          Source: EMITTED_EVENTS.taskRunStatusChanged.source,
          DetailType: EMITTED_EVENTS.taskRunStatusChanged.detailType,
          Detail: JSON.stringify(taskRunStatusChangedDetail(run, t, now)),
        })),
      );
    },
  };
}
