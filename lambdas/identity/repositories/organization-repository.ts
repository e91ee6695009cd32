import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { SubscriptionRepository } from '../../billing/subscription-repository';
import { defaultEnvironmentItems } from '../default-environments';
import type { TxOp } from '../../shared/dynamo/transact';

export interface OrganizationRecord {
  org_id: string;
  name: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** Owners of the org, kept in the same transaction as every membership change so the last
   * owner can never be removed or demoted, even by two concurrent requests. */
  owner_count: number;
}

const orgKey = (orgId: string) => ({ org_id: orgId });

export class OrganizationRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly environmentTable: string,
    private readonly subscriptions: SubscriptionRepository,
  ) {}

  /** A new organization with its default environments and its free subscription. */
  putNew(org: OrganizationRecord): TxOp[] {
    return [
      {
        item: { Put: { TableName: this.tableName, Item: { ...org }, ConditionExpression: 'attribute_not_exists(org_id)' } },
        onConditionFailed: () => new Error(`organization id collision ${org.org_id}`),
      },
      ...defaultEnvironmentItems(org.org_id, org.created_at).map(
        (item): TxOp => ({
          item: { Put: { TableName: this.environmentTable, Item: item, ConditionExpression: 'attribute_not_exists(env_name)' } },
        }),
      ),
      this.subscriptions.putNew(org.org_id, org.created_at),
    ];
  }

  async get(orgId: string): Promise<OrganizationRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: orgKey(orgId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toOrganization(out.Item);
  }

  /** Several organizations by id (missing ones are left out). */
  async getMany(orgIds: string[]): Promise<OrganizationRecord[]> {
    const out: OrganizationRecord[] = [];
    const unique = [...new Set(orgIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Array<Record<string, unknown>> = unique.slice(i, i + 100).map(orgKey);
      for (let attempt = 0; pending.length > 0 && attempt < 4; attempt++) {
        const res = await this.ddb.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
        out.push(...(res.Responses?.[this.tableName] ?? []).map(toOrganization));
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
      }
    }
    return out;
  }

  rename(orgId: string, name: string, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: orgKey(orgId),
          UpdateExpression: 'SET #name = :name, updated_at = :now',
          ConditionExpression: 'attribute_exists(org_id)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name, ':now': nowIso },
        },
      },
      onConditionFailed: () => new NotFoundError('organization'),
    };
  }

  /** One more owner. */
  addOwner(orgId: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: orgKey(orgId),
          UpdateExpression: 'ADD owner_count :one',
          ConditionExpression: 'attribute_exists(org_id)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      onConditionFailed: () => new NotFoundError('organization'),
    };
  }

  /** One owner fewer, refused when it is the last one. */
  removeOwner(orgId: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: orgKey(orgId),
          UpdateExpression: 'ADD owner_count :minus',
          ConditionExpression: 'owner_count > :one',
          ExpressionAttributeValues: { ':minus': -1, ':one': 1 },
        },
      },
      onConditionFailed: () => new ConflictError('an organization must keep at least one owner', 'last_owner'),
    };
  }
}

function toOrganization(item: Record<string, unknown>): OrganizationRecord {
  return {
    org_id: String(item.org_id),
    name: String(item.name ?? ''),
    created_by: String(item.created_by ?? ''),
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
    owner_count: Number(item.owner_count ?? 0),
  };
}
