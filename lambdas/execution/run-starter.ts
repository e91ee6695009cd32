import { createRunAdmission, type RunAdmission } from '../billing/admission';
import { ENV } from '../catalogue/environment';
import type { JsonObject, NormalizedFlowSpec } from '../engine';
import { parseFlowSpec } from '../engine';
import { auditTransactPut } from '../shared/audit/audit-log';
import { isoNow, type Clock } from '../shared/clock';
import { BadRequestError, ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../shared/errors';
import { runSlug, uuidv7 } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { Runtime } from '../shared/runtime';
import { DeploymentRepository, type DeploymentRecord } from '../flows/deployment-repository';
import { FlowRepository, type FlowVersionRecord } from '../flows/flow-repository';
import { budgetCheckFromRuntime } from '../usage/budget';
import type { RunEventPublisher } from './run-events';
import { checkRunParameters } from './run-parameters';
import {
  isRunExecutor,
  type CreateRunResult,
  type NewRun,
  type RunExecutor,
  type RunRecord,
  type RunRepository,
  type RunTriggerType,
  type TransactPut,
} from './run-repository';
import { startRunExecution } from './run-execution-start';
import { RunQueue } from './run-queue';
import { createRunStores } from './run-stores';
import { missingSecretNames } from '../secrets/secret-resolver';
import type { NewTaskRun, TaskRunRepository } from './task-run-repository';

/** What starts a run: POST /v1/runs, the retry route, the schedule evaluator and the sensors. */
export interface StartRunRequest {
  org_id: string;
  /** Either a deployment (its pinned flow version, default parameters and executor)… */
  deployment_name?: string;
  /** …or a flow version. */
  flow_name?: string;
  flow_version?: string;
  /** Merged over the deployment's default parameters, then checked against the flow's schema. */
  parameters?: JsonObject;
  /** lambda | step-functions | ecs; default: deployment's, then flow's default_executor, then lambda. */
  executor?: string;
  /** Same key (per organization, for 24 h) → the same run, created: false. Internal callers only
   * (schedule slots, sensors): clients' keys go in `client_idempotency`. */
  idempotency_key?: string;
  /**
   * A client's Idempotency-Key (HTTP routes) with the hash of its request. Stored in its own
   * namespace (`client:` + key), so a client can never pre-claim a schedule slot's or a sensor's
   * key; the same key with another request hash is a 409 idempotency_key_reused.
   */
  client_idempotency?: { key: string; request_hash: string };
  trigger: { type: RunTriggerType; id?: string; slot?: string };
  /** Who started it (a user's email, "schedule:<id>", "sensor:<id>"). */
  actor_email: string;
  /**
   * Retry of a FAILED or CANCELLED run: its flow version, deployment and parameters (unless given),
   * its SUCCEEDED task runs kept with their output_ref when keep_succeeded_outputs is true.
   */
  retry_of?: { run_id: string; keep_succeeded_outputs: boolean };
  /**
   * With this (and an audit table in the deps), the AuditLog record of the run's creation is written
   * in the same transaction as the run.
   */
  audit?: { ip_address: string };
  /**
   * Called once the target is known and before anything is written (not for a replayed
   * idempotency key): throws to refuse the start. The HTTP routes check the caller's role here.
   */
  admit?: (target: RunTargetView) => Promise<void>;
}

/** What `admit` sees of a run about to start. */
export interface RunTargetView {
  deployment: DeploymentRecord | null;
  flow: FlowVersionRecord;
}

/** Which of the named secrets a run in `environment` (null: org-wide only) cannot resolve. */
export type MissingSecretsLookup = (orgId: string, environment: string | null, names: string[]) => Promise<string[]>;

export interface StartRunResult {
  run: RunRecord;
  /** false: an earlier request with the same idempotency key created this run. */
  created: boolean;
}

export interface RunStarter {
  start(request: StartRunRequest): Promise<StartRunResult>;
}

/** The flows domain's repositories, as far as the starter needs them. */
export interface FlowVersionLookup {
  get(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionRecord | null>;
}
export interface DeploymentLookup {
  get(orgId: string, deploymentName: string): Promise<DeploymentRecord | null>;
}

export interface RunStarterDeps {
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  flows: FlowVersionLookup;
  deployments: DeploymentLookup;
  /** A run whose tasks declare a secret that does not exist is refused (400 unknown_secret). */
  missingSecrets: MissingSecretsLookup;
  events: RunEventPublisher;
  clock: Clock;
  logger: Logger;
  /** AuditLog table: when set, requests with `audit` write their record with the run. */
  auditTable?: string;
  /**
   * Admission checks of a new run (after validation, before anything is written): a refusal
   * throws (e.g. 402 budget_exceeded) and nothing is started. Shared by manual, schedule and
   * sensor runs; a run found by its idempotency key is not a new run and is not checked.
   */
  admission?: AdmissionCheck[];
  /** Plan limits: the subscription's standing and the monthly quota, checked before a run is created. */
  planAdmission: RunAdmission;
  /** Execution slots: a new run starts when one is free, else waits QUEUED for one. */
  queue: RunQueue;
}

/**
 * One admission check of new runs (the monthly budget: usage/budget.ts); throws to refuse. It is
 * handed the subscription the plan admission just read, so it need not read it again.
 */
export type AdmissionCheck = (orgId: string, subscription?: { monthly_budget_usd: number | null }) => Promise<unknown>;

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Prefix of clients' idempotency keys in the Run table; internal keys never start with it. */
export const CLIENT_IDEMPOTENCY_PREFIX = 'client:';

function reusedKey(): ConflictError {
  return new ConflictError('this Idempotency-Key was used with a different request; use a new key for a new request', 'idempotency_key_reused');
}
/**
 * A QUEUED run without an execution, found through its idempotency key, is resumed (task runs
 * completed, execution started) only when older than this: by then its first starter has either
 * finished or died (HTTP functions time out after 29 s), so the two never race.
 */
export const RESUME_AFTER_MS = 60_000;

export { executionArnOf, type RunExecutionInput } from './run-execution-start';

const specCache = new Map<string, NormalizedFlowSpec>();

function specOf(flow: FlowVersionRecord): NormalizedFlowSpec {
  const key = `${flow.org_id}#${flow.flow_name}#${flow.flow_version}#${flow.code_hash}`;
  let spec = specCache.get(key);
  if (spec === undefined) {
    spec = parseFlowSpec(JSON.parse(flow.flow_spec_json) as unknown);
    if (specCache.size >= 200) specCache.delete(specCache.keys().next().value as string);
    specCache.set(key, spec);
  }
  return spec;
}

/**
 * 400 unknown_secret when a task declares a secret the run's environment cannot resolve: refused
 * at the start, not as a task failure minutes later. One detail per task and secret.
 */
async function checkDeclaredSecrets(lookup: MissingSecretsLookup, orgId: string, environment: string | null, spec: NormalizedFlowSpec): Promise<void> {
  const declared = spec.tasks.flatMap((task) => task.secrets);
  if (declared.length === 0) return;
  const missing = new Set(await lookup(orgId, environment, declared));
  if (missing.size === 0) return;
  const where = environment === null ? 'org-wide (the run has no environment)' : `in environment ${environment} or org-wide`;
  const details: ErrorDetail[] = [];
  spec.tasks.forEach((task, t) =>
    task.secrets.forEach((name, i) => {
      if (missing.has(name)) details.push({ path: `flow_spec.tasks[${t}].secrets[${i}]`, message: `task ${task.name} declares secret ${name}, which does not exist ${where}` });
    }),
  );
  throw new BadRequestError(`unknown secret: ${details[0]!.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`, 'unknown_secret', details);
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

interface Target {
  flow: FlowVersionRecord;
  spec: NormalizedFlowSpec;
  deployment: DeploymentRecord | null;
  deploymentName: string | null;
  baseParameters: JsonObject;
  retried: RunRecord | null;
}

export function createRunStarter(deps: RunStarterDeps): RunStarter {
  const { runs, taskRuns, clock, logger } = deps;

  async function loadFlow(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionRecord> {
    const flow = await deps.flows.get(orgId, flowName, flowVersion);
    if (flow === null) throw new NotFoundError(`flow version ${flowName}@${flowVersion}`);
    if (flow.status !== 'ACTIVE') throw new ConflictError(`flow version ${flowName}@${flowVersion} is ${flow.status}`, 'flow_version_inactive');
    return flow;
  }

  async function loadDeployment(orgId: string, name: string): Promise<DeploymentRecord> {
    const deployment = await deps.deployments.get(orgId, name);
    if (deployment === null) throw new NotFoundError(`deployment ${name}`);
    if (deployment.status === 'PAUSED') throw new ConflictError(`deployment ${name} is paused`, 'deployment_paused');
    return deployment;
  }

  async function resolveTarget(request: StartRunRequest): Promise<Target> {
    if (request.retry_of !== undefined) {
      const retried = await runs.get(request.org_id, request.retry_of.run_id, { consistent: true });
      if (retried === null) throw new NotFoundError('run');
      if (retried.status !== 'FAILED' && retried.status !== 'CANCELLED') {
        throw new ConflictError(`only FAILED or CANCELLED runs can be retried; this run is ${retried.status}`, 'run_not_retryable');
      }
      // A retry reruns the same flow version; its deployment may not have been paused since.
      const deployment = retried.deployment_name === null ? null : await deps.deployments.get(request.org_id, retried.deployment_name);
      if (deployment?.status === 'PAUSED') throw new ConflictError(`deployment ${deployment.deployment_name} is paused`, 'deployment_paused');
      const flow = await loadFlow(request.org_id, retried.flow_name, retried.flow_version);
      return { flow, spec: specOf(flow), deployment, deploymentName: retried.deployment_name, baseParameters: retried.parameters, retried };
    }
    if (request.deployment_name !== undefined) {
      if (request.flow_name !== undefined || request.flow_version !== undefined) {
        throw new ValidationError([{ path: 'deployment_name', message: 'give either deployment_name or flow_name and flow_version' }]);
      }
      const deployment = await loadDeployment(request.org_id, request.deployment_name);
      const flow = await loadFlow(request.org_id, deployment.flow_name, deployment.flow_version);
      return {
        flow,
        spec: specOf(flow),
        deployment,
        deploymentName: deployment.deployment_name,
        baseParameters: (deployment.parameters ?? {}) as JsonObject,
        retried: null,
      };
    }
    const missing = (['flow_name', 'flow_version'] as const).filter((f) => request[f] === undefined);
    if (missing.length > 0) {
      throw new ValidationError(missing.map((path) => ({ path, message: 'required (or give deployment_name)' })));
    }
    const flow = await loadFlow(request.org_id, request.flow_name!, request.flow_version!);
    return { flow, spec: specOf(flow), deployment: null, deploymentName: null, baseParameters: {}, retried: null };
  }

  function pickExecutor(request: StartRunRequest, target: Target): RunExecutor {
    const requested = nonEmpty(request.executor);
    if (requested !== undefined) {
      if (!isRunExecutor(requested)) throw new ValidationError([{ path: 'executor', message: 'must be lambda, step-functions or ecs' }]);
      return requested;
    }
    const candidates = [target.retried?.executor, target.deployment?.default_executor, target.flow.default_executor];
    for (const candidate of candidates) {
      const value = nonEmpty(candidate);
      if (value === undefined) continue;
      if (isRunExecutor(value)) return value;
      logger.warn('ignoring an unknown default executor', { executor: value, flow_name: target.flow.flow_name });
    }
    return 'lambda';
  }

  /** PENDING task runs for the spec's tasks; a retry's kept tasks SUCCEEDED with the original output_ref. */
  async function initialTaskRuns(spec: NormalizedFlowSpec, retried: RunRecord | null, keepOutputs: boolean): Promise<NewTaskRun[]> {
    const kept = new Map<string, NewTaskRun>();
    if (retried !== null && keepOutputs) {
      for (const t of await taskRuns.listForRun(retried.org_id, retried.run_id, { consistent: true })) {
        if (t.status !== 'SUCCEEDED') continue;
        kept.set(t.task_name, {
          task_name: t.task_name,
          status: 'SUCCEEDED',
          output_ref: t.output_ref,
          // Inline output and log travel with the kept task run (no object exists for them).
          output_json: t.output_json,
          log_text: t.log_text,
          reused_from_run_id: t.reused_from_run_id ?? t.run_id,
          attempt: t.attempt,
          executor: t.executor,
          started_at: t.started_at,
          completed_at: t.completed_at,
        });
      }
    }
    return spec.tasks.map((task) => kept.get(task.name) ?? { task_name: task.name });
  }

  /** A run found through its idempotency key: completes an interrupted start, else returns it. */
  async function existing(run: RunRecord, request: StartRunRequest): Promise<StartRunResult> {
    const age = clock.nowMs() - Date.parse(run.created_at);
    // A run waiting for an execution slot is the queue's to start, not this resume's.
    if (run.status !== 'QUEUED' || run.external_id !== null || run.queued_reason !== null || age < RESUME_AFTER_MS) return { run, created: false };
    logger.warn('resuming an interrupted run start', { org_id: run.org_id, run_id: run.run_id });
    const flow = await deps.flows.get(run.org_id, run.flow_name, run.flow_version);
    if (flow === null) {
      const failed = await runs.transitionRunDetailed(run.org_id, run.run_id, ['QUEUED'], 'FAILED', {
        error_message: `flow version ${run.flow_name}@${run.flow_version} no longer exists`,
      });
      if (failed.won) await deps.events.runStatusChanged(failed.run);
      return { run: failed.won ? failed.run : (failed.current ?? run), created: false };
    }
    const retried = run.retry_of === null ? null : await runs.get(run.org_id, run.retry_of, { consistent: true });
    const tasks = await initialTaskRuns(specOf(flow), retried, request.retry_of?.keep_succeeded_outputs ?? true);
    await taskRuns.createMissing(run.org_id, run.run_id, tasks);
    const deployment = run.deployment_name === null ? null : await deps.deployments.get(run.org_id, run.deployment_name);
    return { run: await deps.queue.startOrQueue(run, deployment, await deps.planAdmission.concurrencyLimit(run.org_id)), created: false };
  }

  return {
    async start(request) {
      const internalKey = nonEmpty(request.idempotency_key);
      const client = request.client_idempotency;
      if (internalKey !== undefined && client !== undefined) throw new Error('give idempotency_key or client_idempotency, not both');
      if (internalKey?.startsWith(CLIENT_IDEMPOTENCY_PREFIX)) throw new Error(`internal idempotency keys may not start with ${CLIENT_IDEMPOTENCY_PREFIX}`);
      const given = client?.key ?? internalKey;
      if (given !== undefined && (given.length === 0 || given.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
        throw new ValidationError([{ path: 'idempotency_key', message: `1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }]);
      }
      const key = client === undefined ? internalKey : CLIENT_IDEMPOTENCY_PREFIX + client.key;
      const requestHash = client?.request_hash;
      if (key !== undefined) {
        const found = await runs.findIdempotent(request.org_id, key);
        if (found !== null) {
          if (requestHash !== undefined && found.request_hash !== requestHash) throw reusedKey();
          return existing(found.run, request);
        }
      }
      const target = await resolveTarget(request);
      // Who may start it is settled before anything about it is checked or said.
      if (request.admit !== undefined) await request.admit({ deployment: target.deployment, flow: target.flow });
      const parameters: JsonObject = { ...target.baseParameters, ...(request.parameters ?? {}) };
      checkRunParameters(target.spec.parameters, parameters);
      const executor = pickExecutor(request, target);
      await checkDeclaredSecrets(deps.missingSecrets, request.org_id, target.deployment?.environment ?? null, target.spec);
      // Plan limits (402 and nothing written when refused); counted runs are given back below
      // when this start ends up creating no run.
      const ticket = await deps.planAdmission.admit(request.org_id);
      try {
        for (const admit of deps.admission ?? []) await admit(request.org_id, ticket.subscription);
      } catch (error) {
        await deps.planAdmission.undo(ticket);
        throw error;
      }
      const now = clock.nowMs();
      const newRun: NewRun = {
        org_id: request.org_id,
        run_id: uuidv7(now),
        run_slug: runSlug(),
        flow_name: target.flow.flow_name,
        flow_version: target.flow.flow_version,
        deployment_name: target.deploymentName,
        environment: target.deployment?.environment ?? null,
        parameters,
        executor,
        trigger_type: request.trigger.type,
        trigger_id: request.trigger.id ?? target.retried?.run_id ?? null,
        trigger_slot: request.trigger.slot ?? null,
        retry_of: target.retried?.run_id ?? null,
        actor_email: request.actor_email,
        idempotency_key: key ?? null,
      };
      const extraPuts: TransactPut[] = [];
      if (request.audit !== undefined && deps.auditTable !== undefined) {
        extraPuts.push(
          auditTransactPut(
            deps.auditTable,
            {
              org_id: request.org_id,
              resource_type: 'run',
              resource_id: newRun.run_id,
              action: target.retried === null ? 'create' : 'retry',
              actor_email: request.actor_email,
              before: null,
              after: {
                run_id: newRun.run_id,
                run_slug: newRun.run_slug,
                flow_name: newRun.flow_name,
                flow_version: newRun.flow_version,
                deployment_name: newRun.deployment_name,
                executor,
                parameters,
                trigger_type: newRun.trigger_type,
                retry_of: newRun.retry_of,
              },
              ip_address: request.audit.ip_address,
            },
            isoNow(clock),
          ),
        );
      }
      let created: CreateRunResult;
      try {
        created = await runs.create(newRun, extraPuts, requestHash === undefined ? {} : { requestHash });
      } catch (error) {
        await deps.planAdmission.undo(ticket);
        throw error;
      }
      if (!created.created) {
        await deps.planAdmission.undo(ticket);
        if (requestHash !== undefined && created.request_hash !== requestHash) throw reusedKey();
        return existing(created.run, request);
      }
      const tasks = await initialTaskRuns(target.spec, target.retried, request.retry_of?.keep_succeeded_outputs ?? false);
      await taskRuns.createMany(newRun.org_id, newRun.run_id, tasks);
      await deps.events.runStatusChanged(created.run, null);
      return { run: await deps.queue.startOrQueue(created.run, target.deployment, ticket.limits.concurrent_runs), created: true };
    },
  };
}

/**
 * The run starter of a function, from its runtime: needs the Run, TaskRun, Flow and Deployment
 * tables, the states:start and events:put capabilities (schedule evaluator, sensors, HTTP), and
 * Subscription and UsageAggregate (read) for the monthly budget check.
 */
export function runStarterFromRuntime(runtime: Runtime, options: { auditTable?: string } = {}): RunStarter {
  const { runs, taskRuns, events } = createRunStores(runtime);
  const { admission, queue } = runQueueFromRuntime(runtime, { runs, events });
  return createRunStarter({
    runs,
    taskRuns,
    events,
    flows: new FlowRepository(runtime.aws.ddb, runtime.config.table('Flow')),
    deployments: new DeploymentRepository(runtime.aws.ddb, runtime.config.table('Deployment')),
    missingSecrets: (orgId, environment, names) => missingSecretNames({ ddb: runtime.aws.ddb, secretTable: runtime.config.table('Secret') }, orgId, environment, names),
    clock: runtime.clock,
    logger: runtime.logger,
    admission: [budgetCheckFromRuntime(runtime)],
    planAdmission: admission,
    queue,
    ...(options.auditTable === undefined ? {} : { auditTable: options.auditTable }),
  });
}

/**
 * The admission and run queue of a function, from its runtime: needs the Subscription,
 * UsageAggregate, Run and Deployment tables and the states:start capability.
 */
export function runQueueFromRuntime(runtime: Runtime, stores: { runs: RunRepository; events: RunEventPublisher }): { admission: RunAdmission; queue: RunQueue } {
  const { aws, config, clock, logger } = runtime;
  const admission = createRunAdmission(aws.ddb, { subscription: config.table('Subscription'), usageAggregate: config.table('UsageAggregate') }, clock);
  const launchDeps = { runs: stores.runs, events: stores.events, sfn: aws.sfn, stateMachineArn: config.required(ENV.stateMachineArn), logger };
  const queue = new RunQueue({
    runs: stores.runs,
    deployments: new DeploymentRepository(aws.ddb, config.table('Deployment')),
    admission,
    launch: (run) => startRunExecution(launchDeps, run),
    logger,
  });
  return { admission, queue };
}
