import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TxOp } from '../shared/dynamo/transact';
import { shardNames, shardOf } from '../shared/dynamo/shard';
import { PreconditionFailedError } from '../shared/errors';
import { isPlanName, type PlanName, type SubscriptionStatus, SUBSCRIPTION_STATUSES } from './plans';

// The Subscription table (see lambdas/catalogue/tables.ts): one item per organization, key org_id.
// This module is the only code that knows its attributes:
//   plan, status, past_due_since, monthly_budget_usd, version, created_at, updated_at
//   run_leases          map run_id → {expires_epoch, deployment_name}: the org's execution slots
//   dleases:<name>      map run_id → expires_epoch: slots of a deployment with max_concurrent_runs
//   lease_shard         key of the sparse by-lease-shard index: set once the org has held a lease,
//                       so the lease sweep finds every org that may hold an expired one.

/** Shards of the by-lease-shard index (spreads the sweep's reads over partitions). */
export const LEASE_SHARDS = shardNames(4);

export interface RunLease {
  run_id: string;
  expires_epoch: number;
  deployment_name: string | null;
}

export interface SubscriptionRecord {
  org_id: string;
  plan: PlanName;
  status: SubscriptionStatus;
  /** When the subscription turned past_due (the grace period counts from here). */
  past_due_since: string | null;
  /** Optional monthly spending cap in USD (the cost ledger stops runs once it is spent). */
  monthly_budget_usd: number | null;
  /** 0 for an organization whose subscription was never written (it reads as free). */
  version: number;
  created_at: string | null;
  updated_at: string | null;
  leases: RunLease[];
  /** Runs holding a slot of a limited deployment (each also holds an org lease, but for a release cut short). */
  deployment_leases: Array<{ deployment_name: string; run_id: string }>;
}

/** The fields PUT /v1/subscription changes. */
export type SubscriptionSettings = Pick<SubscriptionRecord, 'plan' | 'status' | 'past_due_since' | 'monthly_budget_usd'>;

/**
 * `acquired`: this call took the run's slot; `held`: the run already held one (another caller
 * took it: that caller starts the run); `org_full`/`deployment_full`: no slot free.
 */
export type LeaseOutcome = 'acquired' | 'held' | 'org_full' | 'deployment_full';

export interface LeaseRequest {
  org_id: string;
  run_id: string;
  /** The organization's concurrent-run limit. */
  limit: number;
  /** A deployment with max_concurrent_runs: its own, lower limit. */
  deployment?: { name: string; limit: number } | undefined;
  expires_epoch: number;
}

const DEPLOYMENT_PREFIX = 'dleases:';
const deploymentAttr = (name: string) => `${DEPLOYMENT_PREFIX}${name}`;

function toLeases(item: Record<string, unknown>): RunLease[] {
  const map = item.run_leases;
  if (typeof map !== 'object' || map === null) return [];
  return Object.entries(map as Record<string, Record<string, unknown>>).map(([run_id, lease]) => ({
    run_id,
    expires_epoch: Number(lease?.expires_epoch ?? 0),
    deployment_name: typeof lease?.deployment_name === 'string' ? lease.deployment_name : null,
  }));
}

function toSubscription(orgId: string, item: Record<string, unknown> | undefined): SubscriptionRecord {
  const str = (k: string): string | null => (typeof item?.[k] === 'string' ? (item[k] as string) : null);
  const status = str('status');
  return {
    org_id: orgId,
    // A missing item (or one holding only leases) is the free plan.
    plan: isPlanName(item?.plan) ? item.plan : 'free',
    status: status !== null && (SUBSCRIPTION_STATUSES as readonly string[]).includes(status) ? (status as SubscriptionStatus) : 'active',
    past_due_since: str('past_due_since'),
    monthly_budget_usd: typeof item?.monthly_budget_usd === 'number' ? item.monthly_budget_usd : null,
    version: typeof item?.version === 'number' ? item.version : 0,
    created_at: str('created_at'),
    updated_at: str('updated_at'),
    leases: item === undefined ? [] : toLeases(item),
    deployment_leases: Object.entries(item ?? {}).flatMap(([attr, value]) =>
      attr.startsWith(DEPLOYMENT_PREFIX) && typeof value === 'object' && value !== null
        ? Object.keys(value).map((run_id) => ({ deployment_name: attr.slice(DEPLOYMENT_PREFIX.length), run_id }))
        : [],
    ),
  };
}

function isValidationError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException';
}

export class SubscriptionRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The organization's subscription; a missing item reads as an active free plan. */
  async get(orgId: string): Promise<SubscriptionRecord> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { org_id: orgId }, ConsistentRead: true }));
    return toSubscription(orgId, out.Item);
  }

  /** The free subscription of a new organization (in the organization's creating transaction). */
  putNew(orgId: string, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: { org_id: orgId },
          UpdateExpression: 'SET #plan = :plan, #status = :status, created_at = :now, updated_at = :now, version = :one',
          ConditionExpression: 'attribute_not_exists(version)',
          ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
          ExpressionAttributeValues: { ':plan': 'free', ':status': 'active', ':now': nowIso, ':one': 1 },
        },
      },
      onConditionFailed: () => new Error(`subscription of organization ${orgId} already exists`),
    };
  }

  /** Changes the settings if the stored version is still `expectedVersion` (412 otherwise). Never touches leases. */
  change(orgId: string, settings: SubscriptionSettings, expectedVersion: number, nowIso: string): TxOp {
    const sets = ['#plan = :plan', '#status = :status', 'updated_at = :now', 'created_at = if_not_exists(created_at, :now)', 'version = :next'];
    const removes: string[] = [];
    const values: Record<string, unknown> = {
      ':plan': settings.plan,
      ':status': settings.status,
      ':now': nowIso,
      ':next': expectedVersion + 1,
    };
    for (const field of ['past_due_since', 'monthly_budget_usd'] as const) {
      if (settings[field] === null) removes.push(field);
      else {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = settings[field];
      }
    }
    if (expectedVersion > 0) values[':expected'] = expectedVersion;
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: { org_id: orgId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: expectedVersion > 0 ? 'version = :expected' : 'attribute_not_exists(version)',
          ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: () => new PreconditionFailedError('the subscription changed since it was read; retry'),
    };
  }

  /**
   * Takes an execution slot for a run with one conditional write: granted while the org holds
   * fewer than `limit` leases (and the deployment fewer than its own), or when the run already
   * holds one (a repeated acquire is a no-op that renews it). Concurrent acquirers can never
   * exceed the limit: DynamoDB serializes the writes to the one item.
   */
  async acquireLease(request: LeaseRequest): Promise<LeaseOutcome> {
    for (let attempt = 0; ; attempt++) {
      const names: Record<string, string> = { '#r': request.run_id };
      const values: Record<string, unknown> = {
        ':lease': { expires_epoch: request.expires_epoch, deployment_name: request.deployment?.name ?? null },
        ':limit': request.limit,
        ':shard': shardOf(LEASE_SHARDS, request.org_id, 'leases'),
      };
      const sets = ['run_leases.#r = :lease', 'lease_shard = :shard'];
      let capacity = 'size(run_leases) < :limit';
      if (request.deployment !== undefined) {
        names['#dl'] = deploymentAttr(request.deployment.name);
        values[':exp'] = request.expires_epoch;
        values[':dlimit'] = request.deployment.limit;
        sets.push('#dl.#r = :exp');
        capacity += ' AND size(#dl) < :dlimit';
      }
      try {
        const out = await this.ddb.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { org_id: request.org_id },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `attribute_exists(run_leases.#r) OR (${capacity})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            // The lease's previous value, when the run held one already.
            ReturnValues: 'UPDATED_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const before = out.Attributes?.run_leases as Record<string, unknown> | undefined;
        return before !== undefined && before[request.run_id] !== undefined ? 'held' : 'acquired';
      } catch (error) {
        // The item as the condition saw it comes in DynamoDB's wire format, even from the document client.
        const old = error instanceof ConditionalCheckFailedException && error.Item !== undefined ? unmarshall(error.Item) : undefined;
        const missingMaps =
          isValidationError(error) ||
          (error instanceof ConditionalCheckFailedException &&
            (old?.run_leases === undefined || (request.deployment !== undefined && old[deploymentAttr(request.deployment.name)] === undefined)));
        if (missingMaps && attempt === 0) {
          await this.createLeaseMaps(request);
          continue;
        }
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const orgHeld = toLeases(old ?? {}).length;
        return orgHeld >= request.limit ? 'org_full' : 'deployment_full';
      }
    }
  }

  /** The first lease of an org (or of a limited deployment) needs its map to exist: create it empty. */
  private async createLeaseMaps(request: LeaseRequest): Promise<void> {
    const names: Record<string, string> = {};
    const sets = ['run_leases = if_not_exists(run_leases, :empty)'];
    if (request.deployment !== undefined) {
      names['#dl'] = deploymentAttr(request.deployment.name);
      sets.push('#dl = if_not_exists(#dl, :empty)');
    }
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { org_id: request.org_id },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
  }

  /**
   * Gives a run's slot back and returns the subscription as it is after (its plan and remaining
   * leases, so the caller needs no read to promote waiting runs); null when the run held none
   * (already released, or never admitted). With `ifExpiresAt`, only the lease with that expiry
   * (the sweep never releases a renewed lease).
   */
  async releaseLease(orgId: string, runId: string, ifExpiresAt?: number): Promise<SubscriptionRecord | null> {
    const values: Record<string, unknown> = {};
    let condition = 'attribute_exists(run_leases.#r)';
    if (ifExpiresAt !== undefined) {
      condition = 'run_leases.#r.expires_epoch = :exp';
      values[':exp'] = ifExpiresAt;
    }
    let after: Record<string, unknown> | undefined;
    let deployment: string | null = null;
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { org_id: orgId },
          UpdateExpression: 'REMOVE run_leases.#r',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#r': runId },
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      after = out.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || isValidationError(error)) return null;
      throw error;
    }
    // The run's deployment lease (when its deployment has its own limit) goes with it.
    for (const [attr, value] of Object.entries(after ?? {})) {
      if (attr.startsWith(DEPLOYMENT_PREFIX) && typeof value === 'object' && value !== null && runId in value) deployment = attr.slice(DEPLOYMENT_PREFIX.length);
    }
    if (deployment !== null) {
      try {
        await this.ddb.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { org_id: orgId },
            UpdateExpression: 'REMOVE #dl.#r',
            ConditionExpression: 'attribute_exists(#dl.#r)',
            ExpressionAttributeNames: { '#dl': deploymentAttr(deployment), '#r': runId },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) && !isValidationError(error)) throw error;
      }
    }
    return toSubscription(orgId, after);
  }

  /**
   * Removes a deployment slot whose run holds no org lease any more (a release interrupted between
   * its two writes); false when the run holds an org lease again or the slot is gone.
   */
  async removeOrphanDeploymentLease(orgId: string, deploymentName: string, runId: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { org_id: orgId },
          UpdateExpression: 'REMOVE #dl.#r',
          ConditionExpression: 'attribute_exists(#dl.#r) AND attribute_not_exists(run_leases.#r)',
          ExpressionAttributeNames: { '#dl': deploymentAttr(deploymentName), '#r': runId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || isValidationError(error)) return false;
      throw error;
    }
  }

  /** A later expiry for a lease still at `expires_epoch` (the run is still running). */
  async renewLease(orgId: string, lease: RunLease, newExpiry: number): Promise<boolean> {
    const names: Record<string, string> = { '#r': lease.run_id };
    const sets = ['run_leases.#r.expires_epoch = :new'];
    if (lease.deployment_name !== null) {
      names['#dl'] = deploymentAttr(lease.deployment_name);
      sets.push('#dl.#r = :new');
    }
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { org_id: orgId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'run_leases.#r.expires_epoch = :old',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':new': newExpiry, ':old': lease.expires_epoch },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || isValidationError(error)) return false;
      throw error;
    }
  }

  /** Every organization of a lease shard that has held a lease (the lease sweep's reading list). */
  async withLeases(shard: string): Promise<SubscriptionRecord[]> {
    const out: SubscriptionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'by-lease-shard',
          KeyConditionExpression: 'lease_shard = :s',
          ExpressionAttributeValues: { ':s': shard },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(toSubscription(String(item.org_id), item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return out;
  }
}
