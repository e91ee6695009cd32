import { canonicalJson } from '../engine';
import { deploymentScheduleIssues } from '../scheduling/deployment-schedule-sync';
import { isoNow, type Clock } from '../shared/clock';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../shared/errors';
import { encodeCursor, type Page, type PageRequest } from '../shared/http/pagination';
import type { DeploymentListFilter, DeploymentRecord, DeploymentStatus } from './deployment-repository';
import { writeDeploymentChange, type DeploymentChange, type DeploymentWriteDeps } from './deployment-writes';
import type { StoredEnvironment } from './environment-repository';
import type { FlowVersionRecord } from './flow-repository';
import { isAdmin, type Actor } from './request-context';
import { isResourceName, type RunExecutor } from './resource-names';
import { withRetries } from '../shared/dynamo/transact';

export interface CreateDeploymentInput {
  deployment_name: string;
  flow_name: string;
  flow_version: string;
  environment: string;
  default_executor?: RunExecutor;
  parameters?: Record<string, unknown>;
  tags?: Record<string, string>;
  schedule?: string | null;
  max_concurrent_runs?: number | null;
}

export type UpdateDeploymentInput = Partial<Omit<CreateDeploymentInput, 'deployment_name'>>;

export interface DeploymentServiceDeps extends DeploymentWriteDeps {
  clock: Clock;
}

/**
 * The deployment that promoting `name` (bound to `fromEnv`) into `toEnv` creates or updates:
 * the name with its `-<fromEnv>` suffix replaced by `-<toEnv>` (etl-staging → etl-production),
 * or `-<toEnv>` appended when it has no such suffix (etl → etl-production).
 */
export function promotedDeploymentName(name: string, fromEnv: string, toEnv: string): string {
  const suffix = `-${fromEnv}`;
  const base = name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : name;
  return `${base}-${toEnv}`;
}

/** A schedule is a 5-field cron expression (UTC), checked by the scheduler's own rules. */
export function scheduleIssues(schedule: string | null | undefined): { path: string; message: string }[] {
  return schedule === null || schedule === undefined ? [] : deploymentScheduleIssues(schedule);
}

/** Deployments: a name pinning an ACTIVE flow version in an environment, optionally scheduled. */
export class DeploymentService {
  constructor(private readonly deps: DeploymentServiceDeps) {}

  async get(orgId: string, name: string): Promise<DeploymentRecord> {
    const record = await this.deps.deployments.get(orgId, name);
    if (record === null) throw new NotFoundError('deployment');
    return record;
  }

  async list(orgId: string, filter: DeploymentListFilter, page: PageRequest): Promise<Page<DeploymentRecord>> {
    const { items, lastKey } = await this.deps.deployments.list(orgId, filter, page);
    return { items, next_cursor: encodeCursor(lastKey) };
  }

  async create(actor: Actor, input: CreateDeploymentInput): Promise<DeploymentRecord> {
    const issues = scheduleIssues(input.schedule);
    if (issues.length > 0) throw new ValidationError(issues);
    return withRetries(async () => {
      const env = await this.environment(actor.org_id, input.environment, 'environment');
      this.requireMayDeployInto(actor, env);
      await this.activeFlow(actor.org_id, input.flow_name, input.flow_version, 'flow_version');
      const now = isoNow(this.deps.clock);
      const after: DeploymentRecord = {
        org_id: actor.org_id,
        deployment_name: input.deployment_name,
        flow_name: input.flow_name,
        flow_version: input.flow_version,
        environment: input.environment,
        schedule: input.schedule ?? null,
        // The backend is an operational choice: the environment's preference unless named here.
        default_executor: input.default_executor ?? env.default_executor,
        tags: input.tags ?? {},
        parameters: input.parameters ?? {},
        max_concurrent_runs: input.max_concurrent_runs ?? null,
        status: 'ACTIVE',
        deployment_version: 1,
        created_by: actor.email,
        created_at: now,
        updated_at: now,
      };
      await this.write(actor, { action: 'create', before: null, after }, now);
      return after;
    });
  }

  async update(actor: Actor, name: string, patch: UpdateDeploymentInput, expected: number | undefined): Promise<DeploymentRecord> {
    const issues = scheduleIssues(patch.schedule);
    if (issues.length > 0) throw new ValidationError(issues);
    return withRetries(async () => {
      const before = await this.readForChange(actor, name, expected);
      const after: DeploymentRecord = {
        ...before,
        ...definedOnly({
          flow_name: patch.flow_name,
          flow_version: patch.flow_version,
          environment: patch.environment,
          default_executor: patch.default_executor,
          parameters: patch.parameters,
          tags: patch.tags,
        }),
        schedule: patch.schedule === undefined ? before.schedule : patch.schedule,
        max_concurrent_runs: patch.max_concurrent_runs === undefined ? before.max_concurrent_runs : patch.max_concurrent_runs,
      };
      if (after.environment !== before.environment) {
        this.requireMayDeployInto(actor, await this.environment(actor.org_id, after.environment, 'environment'));
      }
      if (after.flow_name !== before.flow_name || after.flow_version !== before.flow_version) {
        await this.activeFlow(actor.org_id, after.flow_name, after.flow_version, 'flow_version');
      }
      return this.commitUpdate(actor, before, after, 'update');
    });
  }

  /** PAUSED deployments start no scheduled runs; pausing a paused one changes nothing. */
  async setStatus(actor: Actor, name: string, status: DeploymentStatus, expected: number | undefined): Promise<DeploymentRecord> {
    return withRetries(async () => {
      const before = await this.readForChange(actor, name, expected);
      return this.commitUpdate(actor, before, { ...before, status }, 'update');
    });
  }

  async delete(actor: Actor, name: string, expected: number | undefined): Promise<void> {
    await withRetries(async () => {
      const before = await this.readForChange(actor, name, expected);
      await this.write(actor, { action: 'delete', before, after: null }, isoNow(this.deps.clock));
    });
  }

  /**
   * Promotion pins the source's flow version on the deployment bound to the target environment
   * (named by promotedDeploymentName). A new target copies the source's executor, parameters,
   * tags and schedule; an existing one keeps its own and only takes the flow version.
   */
  async promote(actor: Actor, name: string, toEnvironment: string, expected: number | undefined): Promise<{ created: boolean; deployment: DeploymentRecord }> {
    return withRetries(async () => {
      const source = await this.get(actor.org_id, name);
      if (expected !== undefined && source.deployment_version !== expected) throw new PreconditionFailedError();
      if (toEnvironment === source.environment) {
        throw new ValidationError([{ path: 'to_environment', message: `the deployment is already in ${toEnvironment}` }]);
      }
      const env = await this.environment(actor.org_id, toEnvironment, 'to_environment');
      this.requireMayDeployInto(actor, env);
      await this.activeFlow(actor.org_id, source.flow_name, source.flow_version, 'flow_version');
      const targetName = promotedDeploymentName(source.deployment_name, source.environment, toEnvironment);
      if (!isResourceName(targetName)) {
        throw new ValidationError([{ path: 'to_environment', message: `the promoted deployment's name '${targetName}' would exceed 128 characters` }]);
      }
      const target = await this.deps.deployments.get(actor.org_id, targetName);
      if (target !== null && target.environment !== toEnvironment) {
        throw new ConflictError(`deployment ${targetName} exists but is bound to environment ${target.environment}`, 'promotion_target_conflict');
      }
      const now = isoNow(this.deps.clock);
      if (target !== null) {
        const after = { ...target, flow_name: source.flow_name, flow_version: source.flow_version };
        return { created: false, deployment: await this.commitUpdate(actor, target, after, 'promote') };
      }
      const after: DeploymentRecord = {
        ...source,
        deployment_name: targetName,
        environment: toEnvironment,
        status: 'ACTIVE',
        deployment_version: 1,
        created_by: actor.email,
        created_at: now,
        updated_at: now,
      };
      await this.write(actor, { action: 'promote', before: null, after }, now);
      return { created: true, deployment: after };
    });
  }

  /** Reads a deployment about to change: 412 on a stale version, admin-only in a protected environment. */
  private async readForChange(actor: Actor, name: string, expected: number | undefined): Promise<DeploymentRecord> {
    const before = await this.get(actor.org_id, name);
    if (expected !== undefined && before.deployment_version !== expected) throw new PreconditionFailedError();
    if (!isAdmin(actor)) {
      const env = await this.deps.environments.get(actor.org_id, before.environment);
      if (env !== null) this.requireMayDeployInto(actor, env);
    }
    return before;
  }

  /** Writes `after` over `before` with the next version; no change at all writes nothing. */
  private async commitUpdate(actor: Actor, before: DeploymentRecord, proposed: DeploymentRecord, action: DeploymentChange['action']): Promise<DeploymentRecord> {
    if (sameContent(before, proposed)) return before;
    const now = isoNow(this.deps.clock);
    const after = { ...proposed, deployment_version: before.deployment_version + 1, updated_at: now };
    await this.write(actor, { action, before, after }, now);
    return after;
  }

  private write(actor: Actor, change: DeploymentChange, nowIso: string): Promise<void> {
    return writeDeploymentChange(this.deps, actor, change, nowIso);
  }

  private async environment(orgId: string, envName: string, path: string): Promise<StoredEnvironment> {
    const env = await this.deps.environments.get(orgId, envName);
    if (env === null) throw new ValidationError([{ path, message: `environment '${envName}' does not exist` }]);
    return env;
  }

  private requireMayDeployInto(actor: Actor, env: StoredEnvironment): void {
    if (env.is_protected && !isAdmin(actor)) {
      throw new ForbiddenError(`environment ${env.env_name} is protected: only admins may deploy, promote or change deployments there`);
    }
  }

  private async activeFlow(orgId: string, flowName: string, flowVersion: string, path: string): Promise<FlowVersionRecord> {
    const flow = await this.deps.flows.get(orgId, flowName, flowVersion);
    if (flow === null) throw new ValidationError([{ path, message: `flow ${flowName} has no version ${flowVersion}` }]);
    if (flow.status !== 'ACTIVE') throw new ValidationError([{ path, message: `flow ${flowName} version ${flowVersion} is ${flow.status}: only ACTIVE versions can be deployed` }]);
    return flow;
  }
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Equal but for the version bookkeeping (key order of parameters and tags does not count). */
function sameContent(a: DeploymentRecord, b: DeploymentRecord): boolean {
  const content = ({ deployment_version: _v, updated_at: _u, ...rest }: DeploymentRecord) => canonicalJson(rest);
  return content(a) === content(b);
}
