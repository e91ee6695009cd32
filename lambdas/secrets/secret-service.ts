import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditOp } from '../flows/audit';
import type { EnvironmentRepository } from '../flows/environment-repository';
import type { Actor } from '../flows/request-context';
import { ConcurrentChangeError, transact, withRetries } from '../shared/dynamo/transact';
import { putAuditRecord } from '../shared/audit/audit-log';
import { isoNow, type Clock } from '../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { encodeCursor, type Page, type PageRequest } from '../shared/http/pagination';
import { openSecret, sealSecret, secretEncryptionContext } from './envelope';
import type { KeyProvider } from './key-provider';
import type { SecretMetadata, SecretRef, SecretRepository, StoredSecret } from './secret-repository';

export interface SecretServiceDeps {
  ddb: DynamoDBDocumentClient;
  secrets: SecretRepository;
  environments: EnvironmentRepository;
  keyProvider: KeyProvider;
  auditTable: string;
  clock: Clock;
}

/** The metadata of a secret, and nothing else: the only shape a secret leaves the service in. */
export function secretView(secret: SecretMetadata): Omit<SecretMetadata, 'org_id'> {
  return {
    secret_name: secret.secret_name,
    environment: secret.environment,
    created_by: secret.created_by,
    created_at: secret.created_at,
    updated_at: secret.updated_at,
  };
}

/** Audit resource id: `name` for org-wide secrets, `env/name` for scoped ones. */
export const secretResourceId = (ref: SecretRef) => (ref.environment === null ? ref.secret_name : `${ref.environment}/${ref.secret_name}`);

/**
 * Secrets, envelope-encrypted: each value is sealed under a fresh data key bound to (org, name,
 * environment). Values go in through create/put and come out only through reveal; audit records
 * and every other response carry the metadata alone.
 */
export class SecretService {
  constructor(private readonly deps: SecretServiceDeps) {}

  async list(orgId: string, environment: string | undefined, page: PageRequest): Promise<Page<SecretMetadata>> {
    const { items, lastKey } = await this.deps.secrets.list(orgId, environment, page);
    return { items, next_cursor: encodeCursor(lastKey) };
  }

  async get(orgId: string, ref: SecretRef): Promise<SecretMetadata> {
    const secret = await this.deps.secrets.get(orgId, ref);
    if (secret === null) throw new NotFoundError('secret');
    return secret;
  }

  /** Creates a secret; an existing one of the same name and scope is a 409. */
  async create(actor: Actor, ref: SecretRef, value: string): Promise<SecretMetadata> {
    await this.requireEnvironment(actor.org_id, ref.environment);
    const now = isoNow(this.deps.clock);
    const secret = await this.seal(actor, ref, value, { created_by: actor.email, created_at: now, updated_at: now, revision: 1 });
    await transact(this.deps.ddb, [
      {
        item: this.deps.secrets.put(secret, null),
        onConditionFailed: () => new ConflictError(`secret ${secretResourceId(ref)} already exists`, 'secret_exists'),
      },
      auditOp(this.deps.auditTable, actor, { resource_type: 'secret', resource_id: secretResourceId(ref), action: 'create', before: null, after: secretView(secret) }, now),
    ]);
    return secret;
  }

  /** Sets a secret's value, creating it when absent. */
  async put(actor: Actor, ref: SecretRef, value: string): Promise<{ created: boolean; secret: SecretMetadata }> {
    await this.requireEnvironment(actor.org_id, ref.environment);
    return withRetries(async () => {
      const before = await this.deps.secrets.get(actor.org_id, ref);
      const now = isoNow(this.deps.clock);
      const secret = await this.seal(actor, ref, value, {
        created_by: before?.created_by ?? actor.email,
        created_at: before?.created_at ?? now,
        updated_at: now,
        revision: (before?.revision ?? 0) + 1,
      });
      await transact(this.deps.ddb, [
        { item: this.deps.secrets.put(secret, before?.revision ?? null), onConditionFailed: () => new ConcurrentChangeError() },
        auditOp(this.deps.auditTable, actor, {
          resource_type: 'secret',
          resource_id: secretResourceId(ref),
          action: before === null ? 'create' : 'update',
          before: before === null ? null : secretView(before),
          after: secretView(secret),
        }, now),
      ]);
      return { created: before === null, secret };
    });
  }

  async delete(actor: Actor, ref: SecretRef): Promise<void> {
    await withRetries(async () => {
      const before = await this.deps.secrets.get(actor.org_id, ref);
      if (before === null) throw new NotFoundError('secret');
      const now = isoNow(this.deps.clock);
      await transact(this.deps.ddb, [
        { item: this.deps.secrets.delete(before), onConditionFailed: () => new ConcurrentChangeError() },
        auditOp(this.deps.auditTable, actor, { resource_type: 'secret', resource_id: secretResourceId(ref), action: 'delete', before: secretView(before), after: null }, now),
      ]);
    });
  }

  /** The plaintext, for admins; the audit record (metadata only) is written before it is returned. */
  async reveal(actor: Actor, ref: SecretRef): Promise<{ secret: SecretMetadata; value: string }> {
    const secret = await this.deps.secrets.get(actor.org_id, ref);
    if (secret === null) throw new NotFoundError('secret');
    const value = await openSecret(this.deps.keyProvider, secretEncryptionContext(actor.org_id, ref.secret_name, ref.environment), secret);
    const now = isoNow(this.deps.clock);
    await putAuditRecord(this.deps.ddb, this.deps.auditTable, {
      org_id: actor.org_id,
      actor_email: actor.actor_email,
      ip_address: actor.ip_address,
      resource_type: 'secret',
      resource_id: secretResourceId(ref),
      action: 'reveal',
      before: null,
      after: secretView(secret),
    }, now);
    return { secret, value };
  }

  private async seal(
    actor: Actor,
    ref: SecretRef,
    value: string,
    meta: Pick<StoredSecret, 'created_by' | 'created_at' | 'updated_at' | 'revision'>,
  ): Promise<StoredSecret> {
    const sealed = await sealSecret(this.deps.keyProvider, secretEncryptionContext(actor.org_id, ref.secret_name, ref.environment), value);
    return { org_id: actor.org_id, secret_name: ref.secret_name, environment: ref.environment, ...meta, ...sealed };
  }

  private async requireEnvironment(orgId: string, environment: string | null): Promise<void> {
    if (environment === null) return;
    if ((await this.deps.environments.get(orgId, environment)) === null) {
      throw new ValidationError([{ path: 'environment', message: `environment '${environment}' does not exist` }]);
    }
  }
}
