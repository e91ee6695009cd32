import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isoNow, type Clock } from '../shared/clock';
import { ConflictError, NotFoundError } from '../shared/errors';
import { encodeCursor, type Page, type PageRequest } from '../shared/http/pagination';
import { auditOp } from './audit';
import type { EnvironmentRecord, EnvironmentRepository, StoredEnvironment } from './environment-repository';
import type { Actor } from './request-context';
import type { RunExecutor } from './resource-names';
import { ConcurrentChangeError, transact, withRetries } from '../shared/dynamo/transact';

export interface CreateEnvironmentInput {
  env_name: string;
  default_executor?: RunExecutor;
  config_json?: string;
  is_protected?: boolean;
}

export type UpdateEnvironmentInput = Partial<Omit<CreateEnvironmentInput, 'env_name'>>;

export interface EnvironmentServiceDeps {
  ddb: DynamoDBDocumentClient;
  environments: EnvironmentRepository;
  auditTable: string;
  clock: Clock;
}

/** The seed fields of an environment (bookkeeping attributes stay inside). */
export function environmentView(env: StoredEnvironment | EnvironmentRecord): EnvironmentRecord {
  return {
    org_id: env.org_id,
    env_name: env.env_name,
    default_executor: env.default_executor,
    config_json: env.config_json,
    is_protected: env.is_protected,
    created_at: env.created_at,
    updated_at: env.updated_at,
  };
}

/** Environments: created with every org (dev, staging, production), managed by admins. */
export class EnvironmentService {
  constructor(private readonly deps: EnvironmentServiceDeps) {}

  async get(orgId: string, envName: string): Promise<StoredEnvironment> {
    const env = await this.deps.environments.get(orgId, envName);
    if (env === null) throw new NotFoundError('environment');
    return env;
  }

  async list(orgId: string, page: PageRequest): Promise<Page<EnvironmentRecord>> {
    const { items, lastKey } = await this.deps.environments.list(orgId, page);
    return { items: items.map(environmentView), next_cursor: encodeCursor(lastKey) };
  }

  async create(actor: Actor, input: CreateEnvironmentInput): Promise<EnvironmentRecord> {
    const now = isoNow(this.deps.clock);
    const env: EnvironmentRecord = {
      org_id: actor.org_id,
      env_name: input.env_name,
      default_executor: input.default_executor ?? 'lambda',
      config_json: input.config_json ?? '{}',
      is_protected: input.is_protected ?? false,
      created_at: now,
      updated_at: now,
    };
    await transact(this.deps.ddb, [
      {
        item: this.deps.environments.create(env),
        onConditionFailed: () => new ConflictError(`environment ${env.env_name} already exists`, 'environment_exists'),
      },
      auditOp(this.deps.auditTable, actor, { resource_type: 'environment', resource_id: env.env_name, action: 'create', before: null, after: env }, now),
    ]);
    return env;
  }

  async update(actor: Actor, envName: string, patch: UpdateEnvironmentInput): Promise<EnvironmentRecord> {
    return withRetries(async () => {
      const before = await this.get(actor.org_id, envName);
      const proposed = {
        ...environmentView(before),
        default_executor: patch.default_executor ?? before.default_executor,
        config_json: patch.config_json ?? before.config_json,
        is_protected: patch.is_protected ?? before.is_protected,
      };
      if (
        proposed.default_executor === before.default_executor &&
        proposed.config_json === before.config_json &&
        proposed.is_protected === before.is_protected
      ) {
        return environmentView(before);
      }
      const now = isoNow(this.deps.clock);
      const after = { ...proposed, updated_at: now };
      await transact(this.deps.ddb, [
        { item: this.deps.environments.update(after, before.revision), onConditionFailed: () => new ConcurrentChangeError() },
        auditOp(this.deps.auditTable, actor, {
          resource_type: 'environment',
          resource_id: envName,
          action: 'update',
          before: environmentView(before),
          after,
        }, now),
      ]);
      return after;
    });
  }

  /** A protected environment, or one a deployment is bound to, cannot be deleted (409). */
  async delete(actor: Actor, envName: string): Promise<void> {
    await withRetries(async () => {
      const before = await this.get(actor.org_id, envName);
      if (before.is_protected) {
        throw new ConflictError(`environment ${envName} is protected and cannot be deleted`, 'environment_protected');
      }
      if (before.deployment_count > 0) {
        throw new ConflictError(`environment ${envName} has ${before.deployment_count} deployment(s): delete or move them first`, 'environment_in_use');
      }
      const now = isoNow(this.deps.clock);
      await transact(this.deps.ddb, [
        { item: this.deps.environments.delete(before), onConditionFailed: () => new ConcurrentChangeError() },
        auditOp(this.deps.auditTable, actor, {
          resource_type: 'environment',
          resource_id: envName,
          action: 'delete',
          before: environmentView(before),
          after: null,
        }, now),
      ]);
    });
  }
}
