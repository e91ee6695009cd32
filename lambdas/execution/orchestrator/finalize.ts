import { errorText } from '../../shared/errors';
import type { JsonObject, NormalizedFlowSpec, RunStatus } from '../../engine';
import { finalRunStatus, graphOf, isTerminalRunStatus, isTerminalTaskStatus, parseOutputRef, resolveOutputs } from '../../engine';
import { isoNow } from '../../shared/clock';
import { terminalPrice, tryCloseRunLedger } from '../run-cost';
import type { RunCost } from '../../usage/cost-model';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import type { OrchestratorServices } from './orchestrator-services';

/** Reason recorded on the task runs a run leaves unfinished. */
export const RUN_ENDED_MESSAGE = 'the run ended before the task finished';

/**
 * Settles every task run that is not terminal: RUNNING → FAILED (with `reason`), PENDING →
 * SKIPPED. Each is a conditional transition from the status read; a lost race is re-read and
 * settled again (a writer moved it meanwhile), so none is left open. Returns the task runs as
 * they end up, and publishes the events of the transitions won.
 */
export async function settleOpenTaskRuns(
  o: Pick<OrchestratorServices, 'taskRuns' | 'events' | 'ledger'>,
  run: RunRecord,
  taskRuns: TaskRunRecord[],
  reason: string,
): Promise<TaskRunRecord[]> {
  const won: TaskRunRecord[] = [];
  const settled = await Promise.all(
    taskRuns.map(async (initial) => {
      let current: TaskRunRecord | null = initial;
      for (let round = 0; current !== null && !isTerminalTaskStatus(current.status) && round < 5; round++) {
        const transition: TaskRunTransition =
          current.status === 'RUNNING'
            ? await o.taskRuns.failDetailed(run.org_id, run.run_id, current.task_name, { error_message: reason, ...terminalPrice(o.ledger, run.executor, current) })
            : await o.taskRuns.skipDetailed(run.org_id, run.run_id, current.task_name, { reason: `not run: ${reason}`, ...terminalPrice(o.ledger, run.executor, current) });
        if (transition.won) {
          won.push(transition.taskRun);
          return transition.taskRun;
        }
        current = transition.current;
      }
      return current ?? initial;
    }),
  );
  if (won.length > 0) await o.events.taskRunStatusChanged(run, won);
  return settled;
}

/** The flow's outputs, read from the stored outputs of the SUCCEEDED tasks they name. */
export async function resolveRunOutputs(
  o: Pick<OrchestratorServices, 'objects'>,
  orgId: string,
  spec: NormalizedFlowSpec,
  taskRuns: TaskRunRecord[],
): Promise<JsonObject> {
  const names = graphOf(spec).tasks;
  const byName = new Map(taskRuns.map((t) => [t.task_name, t]));
  const wanted = new Set<string>();
  for (const ref of Object.values(spec.outputs)) {
    const parsed = parseOutputRef(ref, (task) => byName.has(task) || names.includes(task));
    if (parsed.ok) wanted.add(parsed.task);
  }
  const outputs: Record<string, unknown> = {};
  await Promise.all(
    [...wanted].map(async (task) => {
      const record = byName.get(task);
      if (record?.status !== 'SUCCEEDED' || (record.output_ref === null && record.output_json === null)) return;
      outputs[task] = await o.objects.outputOf(orgId, record);
    }),
  );
  return resolveOutputs(spec.outputs, outputs, names) as JsonObject;
}

/** The message a FAILED run carries: the first failed task (in flow order) and its error. */
function failureMessage(spec: NormalizedFlowSpec, taskRuns: TaskRunRecord[]): string | null {
  const byName = new Map(taskRuns.map((t) => [t.task_name, t]));
  for (const task of graphOf(spec).topologicalOrder) {
    const record = byName.get(task);
    if (record?.status === 'FAILED') return `task ${task} failed: ${record.error_message ?? 'no reason recorded'}`;
  }
  return null;
}

/** What finalizing a run reads and writes (the orchestrator's Finalize step and the run reconciler). */
export type FinalizeServices = Pick<OrchestratorServices, 'runs' | 'taskRuns' | 'events' | 'objects' | 'flows' | 'logger' | 'ledger' | 'clock' | 'queue'>;

export interface FinalizeOptions {
  /** The run must FAIL with this reason whatever its tasks say (an orchestration error). */
  error?: string;
  /** The run's task runs when the caller has just read them (strongly consistent). */
  taskRuns?: TaskRunRecord[];
  run?: RunRecord;
  /** Advance-loop iterations the run took (step-functions executor), for its cost. */
  iterations?: number;
}

/**
 * The run's execution ends with this: its execution slot is given back and the next waiting run
 * of its organization started (lambdas/execution/run-queue.ts), then the run is ended. The release
 * comes before the run's terminal write, so that status is the last thing written before the
 * execution ends; what the end needs first (the reads, the settling of open task runs, the
 * outputs, the costs: nothing the release touches) is done meanwhile. Every step is idempotent,
 * so a retried Finalize is safe.
 */
export async function finalizeRun(o: FinalizeServices, orgId: string, runId: string, options: FinalizeOptions = {}): Promise<RunRecord | null> {
  const [, end] = await Promise.all([o.queue.releaseAndPromote({ org_id: orgId, run_id: runId }), prepareRunEnd(o, orgId, runId, options)]);
  return end.done ? end.run : endRun(o, end);
}

type RunEnd =
  | { done: true; run: RunRecord | null }
  | { done: false; run: RunRecord; status: Extract<RunStatus, 'SUCCEEDED' | 'FAILED'>; fields: { outputs?: JsonObject; cost?: RunCost; error_message?: string } };

/**
 * What ending a run writes: settles its open task runs, derives its status with the engine
 * (FAILED when `error`), resolves its outputs and closes its cost ledger. A run already terminal
 * is done as it is.
 */
async function prepareRunEnd(o: FinalizeServices, orgId: string, runId: string, options: FinalizeOptions): Promise<RunEnd> {
  const run = options.run ?? (await o.runs.get(orgId, runId, { consistent: true }));
  if (run === null || isTerminalRunStatus(run.status)) return { done: true, run };
  let spec: NormalizedFlowSpec | null = null;
  try {
    spec = (await o.flows.get(orgId, run.flow_name, run.flow_version)).spec;
  } catch (error) {
    o.logger.error('finalize: flow version unreadable', { org_id: orgId, run_id: runId, error: errorText(error) });
  }
  let taskRuns = options.taskRuns ?? (await o.taskRuns.listForRun(orgId, runId, { consistent: true }));
  const error = options.error;
  if (taskRuns.some((t) => !isTerminalTaskStatus(t.status))) {
    taskRuns = await settleOpenTaskRuns(o, run, taskRuns, error ?? RUN_ENDED_MESSAGE);
  }
  const derived = finalRunStatus(taskRuns.map((t) => t.status));
  let status: Extract<RunStatus, 'SUCCEEDED' | 'FAILED'> = error === undefined && derived === 'SUCCEEDED' && spec !== null ? 'SUCCEEDED' : 'FAILED';
  // A run that never started cannot have succeeded (QUEUED → SUCCEEDED is not a transition).
  if (run.status === 'QUEUED') status = 'FAILED';
  // A runner that knew why the run must fail (e.g. the ECS runner) may have left the reason on the run.
  const message =
    status === 'SUCCEEDED'
      ? null
      : (run.error_message ?? error ?? (spec === null ? 'the flow version could not be read' : failureMessage(spec, taskRuns)) ?? 'the run failed');
  let outputs: JsonObject | null = null;
  if (spec !== null && Object.keys(spec.outputs).length > 0) {
    try {
      outputs = await resolveRunOutputs(o, orgId, spec, taskRuns);
    } catch (outputError) {
      o.logger.error('finalize: outputs unreadable', { org_id: orgId, run_id: runId, error: errorText(outputError) });
    }
  }
  const cost = await tryCloseRunLedger(o, run, taskRuns, {
    endedAt: isoNow(o.clock),
    ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
  });
  return {
    done: false,
    run,
    status,
    fields: { ...(outputs !== null ? { outputs } : {}), ...(cost !== null ? { cost } : {}), ...(message !== null ? { error_message: message } : {}) },
  };
}

/** Moves the run RUNNING (or QUEUED) → SUCCEEDED|FAILED and publishes the event; a run ended meanwhile is returned as it is. */
async function endRun(o: FinalizeServices, end: Extract<RunEnd, { done: false }>): Promise<RunRecord | null> {
  const { run } = end;
  const from: RunStatus[] = run.status === 'QUEUED' ? ['QUEUED'] : ['RUNNING'];
  const transition = await o.runs.transitionRunDetailed(run.org_id, run.run_id, from, end.status, { ...end.fields, wait_token: null });
  if (!transition.won) return transition.current;
  await o.events.runStatusChanged(transition.run);
  return transition.run;
}
