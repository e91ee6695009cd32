import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isTerminalRunStatus, isTerminalTaskStatus, parseFlowSpec } from '../../engine';
import { METRIC } from '../../catalogue/observability';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { MetricsRecorder } from '../../shared/metrics';
import type { FlowRepository } from '../../flows/flow-repository';
import { finalizeRun, type FinalizeServices } from '../orchestrator/finalize';
import { ACTIVE_SHARDS, type RunRecord } from '../run-repository';
import { executionArnOf, type RunExecutionInput } from '../run-starter';
import { isRetryable } from '../orchestrator/errors';
import { wakeRunLoop } from '../orchestrator/loop-protocol';

/** What the reconciler works with (built from the run-reconciler function's runtime). */
export interface ReconcilerServices extends FinalizeServices {
  /** The flows domain's repository: a missing flow version is null here (FlowCache throws). */
  flowVersions: Pick<FlowRepository, 'get'>;
  sfn: SFNClient;
  stateMachineArn: string;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRecorder;
}

export interface ReconcileOptions {
  /**
   * A run is looked at only when it was created this long ago and not updated for this long: by
   * then a starter that was about to start its execution has done so or died (HTTP functions time
   * out after 29 s), and a continuing execution has taken the run over.
   */
  staleAfterMs: number;
  /** At most this many runs examined per shard and sweep (the next sweep continues). */
  maxPerShard: number;
}

export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = { staleAfterMs: 120_000, maxPerShard: 200 };

/** What one sweep did, by run (tests and the bench read it; the function returns it). */
export interface ReconcileReport {
  examined: number;
  /** Runs found stuck (the StuckRunsFound metric). */
  stuck: number;
  started: string[];
  finalized: string[];
  failed: string[];
  /** step-functions runs whose advance loop had not moved for the threshold: woken to look again. */
  woken: string[];
}

type ExecutionState = { status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error?: string; cause?: string } | { status: 'MISSING' };

async function describeExecution(o: ReconcilerServices, executionArn: string): Promise<ExecutionState> {
  try {
    const out = await o.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return { status: (out.status ?? 'RUNNING') as Exclude<ExecutionState['status'], 'MISSING'>, ...(out.error ? { error: out.error } : {}), ...(out.cause ? { cause: out.cause } : {}) };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist || (error instanceof Error && error.name === 'ExecutionDoesNotExist')) return { status: 'MISSING' };
    throw error;
  }
}

/**
 * One sweep of the runs that are not terminal (the Run table's sparse `active` index, every
 * shard), acting only on runs that look stuck:
 * - QUEUED with no execution: its flow version gone → FAILED with that reason; else its
 *   execution is started (name = run_id, so a second start is ExecutionAlreadyExists: never two);
 * - QUEUED waiting for an execution slot: its organization's waiting runs are promoted (a
 *   promotion lost with the slot release before it, or a promoter that died after taking a slot);
 * - QUEUED or RUNNING whose execution ended or does not exist (the Finalize step gave up, the
 *   local platform was killed, an execution was stopped from outside): finalized with the same
 *   code as the Finalize step (open task runs settled; SUCCEEDED only if every task did);
 * - anything whose execution is still RUNNING is left to it.
 * Every write is conditional on the status read, so a run that finished meanwhile stays as it is.
 */
export async function reconcileRuns(o: ReconcilerServices, options: ReconcileOptions = DEFAULT_RECONCILE_OPTIONS): Promise<ReconcileReport> {
  const report: ReconcileReport = { examined: 0, stuck: 0, started: [], finalized: [], failed: [], woken: [] };
  const now = o.clock.nowMs();
  const createdBefore = new Date(now - options.staleAfterMs).toISOString();
  /** Organizations with a run waiting for a slot for longer than the threshold. */
  const waiting = new Set<string>();
  for (const shard of ACTIVE_SHARDS) {
    let startKey: Record<string, unknown> | undefined;
    let seen = 0;
    do {
      const page = await o.runs.listActive(shard, createdBefore, Math.min(100, options.maxPerShard - seen), startKey);
      startKey = page.next;
      seen += page.items.length;
      for (const listed of page.items) {
        report.examined++;
        try {
          await reconcileOne(o, listed, now, options, report, waiting);
        } catch (error) {
          // One run's trouble (a throttle) must not stop the sweep; the next sweep tries again.
          o.logger.error('reconcile: run left for the next sweep', { org_id: listed.org_id, run_id: listed.run_id, error });
        }
      }
    } while (startKey !== undefined && seen < options.maxPerShard);
  }
  // Each slot freed is followed by a promotion, but one that failed (a throttled write, a
  // function that timed out) is not tried again: the next release would, but when the last runs
  // have ended there is none. So the waiting runs of these organizations are promoted here: free
  // slots taken for the oldest, and a run whose promoter took its slot and died before launching
  // it is launched.
  for (const orgId of waiting) {
    try {
      const started = await o.queue.promote(orgId, { launchHeldBefore: createdBefore });
      report.started.push(...started.map((r) => r.run_id));
      report.stuck += started.length;
      if (started.length > 0) o.logger.warn('reconcile: waiting runs started', { org_id: orgId, run_ids: started.map((r) => r.run_id) });
    } catch (error) {
      o.logger.error('reconcile: waiting runs left for the next sweep', { org_id: orgId, error });
    }
  }
  o.metrics.count(METRIC.stuckRunsFound, report.stuck);
  if (report.stuck > 0) o.logger.warn('reconcile: stuck runs found', { ...report });
  return report;
}

async function reconcileOne(o: ReconcilerServices, listed: RunRecord, now: number, options: ReconcileOptions, report: ReconcileReport, waiting: Set<string>): Promise<void> {
  // The index is eventually consistent: act on the run as it is now.
  const run = await o.runs.get(listed.org_id, listed.run_id, { consistent: true });
  if (run === null || isTerminalRunStatus(run.status)) return;
  if (now - Date.parse(run.updated_at) < options.staleAfterMs) return;
  const log = { org_id: run.org_id, run_id: run.run_id };
  // Waiting for an execution slot on purpose (plan or deployment concurrency): the run queue
  // starts it when a slot frees, and its lease sweeper covers a lost release; its organization's
  // promotion is retried after the sweep (a lost promotion).
  if (run.status === 'QUEUED' && run.queued_reason !== null) {
    if (run.external_id === null) waiting.add(run.org_id);
    return;
  }

  if (run.status === 'QUEUED' && run.external_id === null) {
    report.stuck++;
    const flow = await o.flowVersions.get(run.org_id, run.flow_name, run.flow_version);
    if (flow === null) {
      const reason = `flow version ${run.flow_name}@${run.flow_version} no longer exists`;
      const failed = await o.runs.transitionRunDetailed(run.org_id, run.run_id, ['QUEUED'], 'FAILED', { error_message: reason });
      if (failed.won) {
        await o.events.runStatusChanged(failed.run);
        report.failed.push(run.run_id);
        o.logger.warn('reconcile: QUEUED run of a missing flow version failed', { ...log, reason });
      }
      return;
    }
    // A starter that died between writing the run and its task runs left the set incomplete.
    const spec = parseFlowSpec(JSON.parse(flow.flow_spec_json) as unknown);
    await o.taskRuns.createMissing(run.org_id, run.run_id, spec.tasks.map((task) => ({ task_name: task.name })));
    await startExecution(o, run);
    report.started.push(run.run_id);
    o.logger.warn('reconcile: QUEUED run without an execution started', log);
    return;
  }

  const execution: ExecutionState = run.external_id === null ? { status: 'MISSING' } : await describeExecution(o, run.external_id);
  if (execution.status === 'RUNNING') {
    // A live loop that has not parked a token for the threshold waits on a completion that may
    // never come (its runner died before recording it): wake it, so that it looks at its task
    // runs again (and declares a lost attempt once the attempt's deadline has passed) instead of
    // sleeping out its whole heartbeat. Harmless when nothing was lost: one more advance.
    if (run.executor === 'step-functions' && run.status === 'RUNNING' && run.wait_token !== null) {
      await wakeRunLoop(o, { org_id: run.org_id, run_id: run.run_id });
      report.woken.push(run.run_id);
    }
    return;
  }
  report.stuck++;
  const taskRuns = await o.taskRuns.listForRun(run.org_id, run.run_id, { consistent: true });
  const allSettled = taskRuns.length > 0 && taskRuns.every((t) => isTerminalTaskStatus(t.status));
  // Every task finished (e.g. only the Finalize step failed): the tasks decide the run's status.
  // Otherwise the run cannot go on without its execution: it fails with the reason.
  const reason =
    execution.status === 'MISSING'
      ? "the run's execution no longer exists (the orchestration was lost)"
      : `the run's execution ended ${execution.status}${execution.error !== undefined ? ` (${execution.error})` : ''} without finishing the run`;
  const finished = await finalizeRun(o, run.org_id, run.run_id, { run, taskRuns, ...(allSettled && run.status === 'RUNNING' ? {} : { error: reason }) });
  if (finished !== null && isTerminalRunStatus(finished.status)) report.finalized.push(run.run_id);
  o.logger.warn('reconcile: run without a live execution finalized', { ...log, reason, status: finished?.status ?? null });
}

/** StartExecution named after the run (idempotent); the ARN is stored once on the run. */
async function startExecution(o: ReconcilerServices, run: RunRecord): Promise<void> {
  const input: RunExecutionInput = { org_id: run.org_id, run_id: run.run_id, executor: run.executor };
  let executionArn = executionArnOf(o.stateMachineArn, run.run_id);
  try {
    const out = await o.sfn.send(new StartExecutionCommand({ stateMachineArn: o.stateMachineArn, name: run.run_id, input: JSON.stringify(input) }));
    executionArn = out.executionArn ?? executionArn;
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists || (error instanceof Error && error.name === 'ExecutionAlreadyExists'))) {
      if (isRetryable(error)) throw error;
      const reason = `could not start the run's execution: ${error instanceof Error ? error.message : String(error)}`;
      const failed = await o.runs.transitionRunDetailed(run.org_id, run.run_id, ['QUEUED'], 'FAILED', { error_message: reason });
      if (failed.won) await o.events.runStatusChanged(failed.run);
      return;
    }
  }
  await o.runs.updateRunDetailed(run.org_id, run.run_id, { external_id: executionArn }, { fields: { external_id: null } });
}
