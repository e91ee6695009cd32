import { mapBounded } from '../../shared/bounded';
import { StopTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ecsCancelKey } from '../run-objects';
import { StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { JsonObject } from '../../engine';
import { isTerminalRunStatus, parseFlowSpec, parseOutputRef, resolveOutputs } from '../../engine';
import { auditTransactPut } from '../../shared/audit/audit-log';
import { isoNow, type Clock } from '../../shared/clock';
import { roleAtLeast, type Role } from '../../catalogue/roles';
import { ConflictError, ForbiddenError, NotFoundError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import type { Logger } from '../../shared/logger';
import type { FlowVersionLookup, RunStarter, RunTargetView, StartRunRequest, StartRunResult } from '../run-starter';
import type { RunEventPublisher } from '../run-events';
import { isOrgObjectKey, logKey } from '../run-objects';
import { terminalPrice, tryCloseRunLedger } from '../run-cost';
import type { RunQueue } from '../run-queue';
import type { RunListFilter, RunRecord, RunRepository } from '../run-repository';
import type { CostContext } from '../../usage/cost-context';
import type { TaskRunRecord, TaskRunRepository, TaskRunTransition } from '../task-run-repository';

/** Who does it and from where (audit records). */
export interface RunActor {
  org_id: string;
  actor_email: string;
  ip_address: string;
}

export interface RunDetail {
  run: RunRecord;
  task_runs: TaskRunRecord[];
  /** The flow's outputs once the run finished; null before. */
  outputs: JsonObject | null;
}

export interface TaskRunLogs {
  task_run: TaskRunRecord;
  content: string;
  truncated: boolean;
}

export interface CancelResult {
  run: RunRecord;
  task_runs: TaskRunRecord[];
}

/** The flows domain's environments, as far as run admission needs them. */
export interface EnvironmentLookup {
  get(orgId: string, envName: string): Promise<{ is_protected: boolean } | null>;
}

export interface RunsServiceDeps {
  environments: EnvironmentLookup;
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  events: RunEventPublisher;
  starter: RunStarter;
  flows: FlowVersionLookup;
  s3: S3Client;
  artifactsBucket: string;
  sfn: SFNClient;
  ecs: ECSClient;
  ecsCluster: string;
  auditTable: string;
  clock: Clock;
  logger: Logger;
  /** What the cost ledger prices runs with: a cancelled run's cost is recorded by cancel. */
  ledger: CostContext;
  /** Execution slots: a cancelled run gives its slot back and the next waiting run starts. */
  queue: Pick<RunQueue, 'releaseAndPromote'>;
}

/** Largest log text returned (its tail): a Lambda response holds at most 6 MB. */
export const MAX_LOG_BYTES = 1024 * 1024;
/** The message cancelled task runs carry (RUNNING → FAILED, PENDING → SKIPPED). */
export const TASK_CANCELLED_MESSAGE = 'cancelled';
const SETTLE_CONCURRENCY = 16;
const SETTLE_ROUNDS = 4;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || status === 404;
}

/** The runs API's domain rules: start, read, list, logs, cancel, retry. */
export class RunsService {
  constructor(private readonly deps: RunsServiceDeps) {}

  start(request: StartRunRequest): Promise<StartRunResult> {
    return this.deps.starter.start(request);
  }

  /**
   * The admission check of a run started through the API by someone with `role`: a run of a
   * deployment in a protected environment, or one that overrides the deployment's parameters,
   * needs admin or higher (403 otherwise). Runs of a bare flow version pass; schedules and sensors
   * do not go through here, so a protected deployment's schedules and sensors still fire.
   */
  admission(orgId: string, role: Role, overridesParameters: boolean): (target: RunTargetView) => Promise<void> {
    return async ({ deployment }) => {
      if (deployment === null || roleAtLeast(role, 'admin')) return;
      if (overridesParameters) {
        throw new ForbiddenError(`only admins may override the parameters of deployment ${deployment.deployment_name}; start it without parameters or ask an admin`);
      }
      const environment = await this.deps.environments.get(orgId, deployment.environment);
      if (environment?.is_protected === true) {
        throw new ForbiddenError(`environment ${deployment.environment} is protected: only admins may start runs of deployment ${deployment.deployment_name}`);
      }
    };
  }

  async get(orgId: string, runId: string): Promise<RunDetail> {
    const run = await this.deps.runs.get(orgId, runId);
    if (run === null) throw new NotFoundError('run');
    const taskRuns = await this.deps.taskRuns.listForRun(orgId, runId);
    return { run, task_runs: taskRuns, outputs: await this.outputsOf(run, taskRuns) };
  }

  list(orgId: string, filter: RunListFilter, page: PageRequest): Promise<Page<RunRecord>> {
    return this.deps.runs.list(orgId, filter, page);
  }

  async listTaskRuns(orgId: string, runId: string, page: PageRequest): Promise<Page<TaskRunRecord>> {
    await this.requireRun(orgId, runId);
    return this.deps.taskRuns.listPage(orgId, runId, page);
  }

  /** The log text the task runner wrote for a task run (empty while there is none). */
  async logs(orgId: string, runId: string, taskRunId: string): Promise<TaskRunLogs> {
    await this.requireRun(orgId, runId);
    const taskRun = await this.deps.taskRuns.findById(orgId, runId, taskRunId);
    if (taskRun === null) throw new NotFoundError('task run');
    // A small log lives in the task run's item (a kept task's was copied with it); at most
    // INLINE_LOG_MAX_BYTES, far under MAX_LOG_BYTES, so never truncated.
    if (taskRun.log_text !== null) return { task_run: taskRun, content: taskRun.log_text, truncated: false };
    // A task kept by a retry ran in the original run: its logs are there.
    const key = logKey(orgId, taskRun.reused_from_run_id ?? runId, taskRun.task_name);
    try {
      const out = await this.deps.s3.send(new GetObjectCommand({ Bucket: this.deps.artifactsBucket, Key: key, Range: `bytes=-${MAX_LOG_BYTES}` }));
      const content = (await out.Body?.transformToString('utf8')) ?? '';
      const total = out.ContentRange === undefined ? undefined : Number(out.ContentRange.split('/')[1]);
      return { task_run: taskRun, content, truncated: total !== undefined && Number.isFinite(total) && total > MAX_LOG_BYTES };
    } catch (error) {
      if (isNotFound(error)) return { task_run: taskRun, content: '', truncated: false };
      throw error;
    }
  }

  /**
   * Cancels a QUEUED or RUNNING run: the run turns CANCELLED (with its audit record, in one
   * transaction), its execution is stopped, and every open task run is settled (RUNNING → FAILED
   * "cancelled", PENDING → SKIPPED). A finished run is a 409.
   */
  async cancel(actor: RunActor, runId: string): Promise<CancelResult> {
    const { runs, events, clock } = this.deps;
    const before = await runs.get(actor.org_id, runId, { consistent: true });
    if (before === null) throw new NotFoundError('run');
    if (isTerminalRunStatus(before.status)) throw new ConflictError(`the run is already ${before.status}`, 'run_finished');
    const audit = auditTransactPut(
      this.deps.auditTable,
      {
        org_id: actor.org_id,
        resource_type: 'run',
        resource_id: runId,
        action: 'cancel',
        actor_email: actor.actor_email,
        before: { status: before.status },
        after: { status: 'CANCELLED' },
        ip_address: actor.ip_address,
      },
      isoNow(clock),
    );
    const moved = await runs.transitionRunDetailed(
      actor.org_id,
      runId,
      ['QUEUED', 'RUNNING'],
      'CANCELLED',
      { error_message: `cancelled by ${actor.actor_email}` },
      { extraPuts: [audit] },
    );
    if (!moved.won) {
      // Between our read and our write the run finished (both from-statuses were allowed).
      throw new ConflictError(`the run is already ${moved.current?.status ?? 'gone'}`, 'run_finished');
    }
    await this.stopBackend(moved.run);
    await this.deps.queue.releaseAndPromote(moved.run);
    const settled = await this.settleOpenTaskRuns(moved.run);
    let taskRunsNow = await this.deps.taskRuns.listForRun(actor.org_id, runId, { consistent: true });
    // The execution was stopped before its Finalize: the cancelled run's cost is recorded here.
    let run = moved.run;
    const cost = await tryCloseRunLedger(this.deps, run, taskRunsNow, { endedAt: run.completed_at ?? isoNow(clock) });
    if (cost !== null) {
      const stored = await runs.updateRunDetailed(actor.org_id, runId, { cost }, { fields: { cost: null } });
      if (stored.won) run = stored.run;
      taskRunsNow = await this.deps.taskRuns.listForRun(actor.org_id, runId, { consistent: true });
    }
    await events.runStatusChanged(run);
    if (settled.length > 0) await events.taskRunStatusChanged(run, settled);
    return { run, task_runs: taskRunsNow };
  }

  /** A new run (trigger retry) of a FAILED or CANCELLED run that keeps its succeeded tasks' outputs. */
  retry(
    actor: RunActor,
    runId: string,
    options: { parameters?: JsonObject; executor?: string; client_idempotency?: { key: string; request_hash: string }; role: Role },
  ): Promise<StartRunResult> {
    return this.deps.starter.start({
      admit: this.admission(actor.org_id, options.role, options.parameters !== undefined && Object.keys(options.parameters).length > 0),
      org_id: actor.org_id,
      retry_of: { run_id: runId, keep_succeeded_outputs: true },
      trigger: { type: 'retry', id: runId },
      actor_email: actor.actor_email,
      audit: { ip_address: actor.ip_address },
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ...(options.executor === undefined ? {} : { executor: options.executor }),
      ...(options.client_idempotency === undefined ? {} : { client_idempotency: options.client_idempotency }),
    });
  }

  private async requireRun(orgId: string, runId: string): Promise<RunRecord> {
    const run = await this.deps.runs.get(orgId, runId);
    if (run === null) throw new NotFoundError('run');
    return run;
  }

  /** StopExecution of the run's execution, StopTask of its ECS task; failures are logged (the run is CANCELLED already). */
  private async stopBackend(run: RunRecord): Promise<void> {
    const { sfn, ecs, logger } = this.deps;
    const cause = `run ${run.run_id} cancelled`;
    const ecsTasks = [run.ecs_task_arn, run.external_id?.startsWith('arn:aws:ecs:') ? run.external_id : null].filter(
      (arn): arn is string => arn !== null && arn !== undefined,
    );
    const stops: Array<Promise<unknown>> = [];
    // ECS containers read no table: they poll this marker (through a presigned GET) and stop.
    stops.push(
      this.deps.s3
        .send(new PutObjectCommand({ Bucket: this.deps.artifactsBucket, Key: ecsCancelKey(run.org_id, run.run_id), Body: 'cancelled' }))
        .catch((error: unknown) => logger.error('could not mark the run cancelled for its ECS tasks', { run_id: run.run_id, error: error instanceof Error ? error.message : String(error) })),
    );
    if (run.external_id?.startsWith('arn:aws:states:')) {
      stops.push(
        sfn.send(new StopExecutionCommand({ executionArn: run.external_id, error: 'Dagy.Cancelled', cause })).catch((error: unknown) => {
          if (errorName(error) !== 'ExecutionDoesNotExist') {
            logger.error('StopExecution failed', { run_id: run.run_id, error: error instanceof Error ? error.message : String(error) });
          }
        }),
      );
    }
    for (const task of new Set(ecsTasks)) {
      stops.push(
        ecs.send(new StopTaskCommand({ cluster: this.deps.ecsCluster, task, reason: cause })).catch((error: unknown) => {
          logger.error('ECS StopTask failed', { run_id: run.run_id, error: error instanceof Error ? error.message : String(error) });
        }),
      );
    }
    await Promise.all(stops);
  }

  /**
   * Settles every open task run of a cancelled run. Each write is conditional on the status read;
   * a task run that moved meanwhile (e.g. PENDING → RUNNING) is settled from its new status.
   */
  private async settleOpenTaskRuns(run: RunRecord): Promise<TaskRunRecord[]> {
    const { taskRuns, ledger } = this.deps;
    const settled: TaskRunRecord[] = [];
    let open = (await taskRuns.listForRun(run.org_id, run.run_id, { consistent: true })).filter((t) => t.status === 'PENDING' || t.status === 'RUNNING');
    for (let round = 0; round < SETTLE_ROUNDS && open.length > 0; round++) {
      const results = await mapBounded(open, SETTLE_CONCURRENCY, (t): Promise<TaskRunTransition> =>
        t.status === 'RUNNING'
          ? taskRuns.failDetailed(run.org_id, run.run_id, t.task_name, { error_message: TASK_CANCELLED_MESSAGE, ...terminalPrice(ledger, run.executor, t) })
          : taskRuns.skipDetailed(run.org_id, run.run_id, t.task_name, { reason: TASK_CANCELLED_MESSAGE, ...terminalPrice(ledger, run.executor, t) }),
      );
      const next: TaskRunRecord[] = [];
      for (const r of results) {
        if (r.won) settled.push(r.taskRun);
        else if (r.current !== null && (r.current.status === 'PENDING' || r.current.status === 'RUNNING')) next.push(r.current);
      }
      open = next;
    }
    if (open.length > 0) this.deps.logger.warn('task runs still open after cancel', { run_id: run.run_id, tasks: open.map((t) => t.task_name) });
    return settled;
  }

  /**
   * The run's outputs once finished: those the orchestrator stored on the run, else resolved here
   * from the flow spec's `outputs` and the task output objects they reference.
   */
  private async outputsOf(run: RunRecord, taskRuns: TaskRunRecord[]): Promise<JsonObject | null> {
    if (!isTerminalRunStatus(run.status)) return null;
    if (run.outputs !== null) return run.outputs;
    const flow = await this.deps.flows.get(run.org_id, run.flow_name, run.flow_version);
    if (flow === null) return null;
    const spec = parseFlowSpec(JSON.parse(flow.flow_spec_json) as unknown);
    const names = new Set(spec.tasks.map((t) => t.name));
    const wanted = new Set<string>();
    for (const ref of Object.values(spec.outputs)) {
      const parsed = parseOutputRef(ref, (n) => names.has(n));
      if (parsed.ok) wanted.add(parsed.task);
    }
    const byName = new Map(taskRuns.map((t) => [t.task_name, t]));
    const taskOutputs: Record<string, unknown> = {};
    await Promise.all(
      [...wanted].map(async (name) => {
        const t = byName.get(name);
        if (t === undefined || t.status !== 'SUCCEEDED' || t.output_ref === null || !isOrgObjectKey(run.org_id, t.output_ref)) return;
        const value = t.output_json !== null ? (JSON.parse(t.output_json) as unknown) : await this.readOutput(t.output_ref);
        if (value !== undefined) taskOutputs[name] = value;
      }),
    );
    return resolveOutputs(spec.outputs, taskOutputs, names) as JsonObject;
  }

  private async readOutput(key: string): Promise<unknown> {
    try {
      const out = await this.deps.s3.send(new GetObjectCommand({ Bucket: this.deps.artifactsBucket, Key: key }));
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      return text === '' ? null : (JSON.parse(text) as unknown);
    } catch (error) {
      this.deps.logger.warn('task output unreadable', { key, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }
}
