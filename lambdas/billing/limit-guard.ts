import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError, type TxOp } from '../shared/dynamo/transact';
import type { LimitedResource } from './plans';

// The guards of the plan's capped resources, items of the UsageAggregate table (see
// lambdas/catalogue/tables.ts): org_id, sk = limits#<resource>, {version, updated_at}.
// Every add of a capped resource reads the guard's version before it counts, and moves the
// version on in the same transaction that writes the new item, conditional on the version it
// read: of two adds that counted the same items, one commits and the other finds the version
// moved, so it counts again. The count itself stays the items (nothing to keep in step on
// deletes or on the writes that are not capped).

const key = (orgId: string, resource: LimitedResource) => ({ org_id: orgId, sk: `limits#${resource}` });

export class LimitGuards {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The guard's version now (0: never moved). */
  async version(orgId: string, resource: LimitedResource): Promise<number> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: key(orgId, resource), ConsistentRead: true }));
    return typeof out.Item?.version === 'number' ? out.Item.version : 0;
  }

  /** Moves the guard on from `readVersion` (ConcurrentChangeError when another add moved it first). */
  advance(orgId: string, resource: LimitedResource, readVersion: number, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: key(orgId, resource),
          UpdateExpression: 'SET version = :next, updated_at = :now',
          ConditionExpression: readVersion === 0 ? 'attribute_not_exists(version)' : 'version = :read',
          ExpressionAttributeValues: { ':next': readVersion + 1, ':now': nowIso, ...(readVersion === 0 ? {} : { ':read': readVersion }) },
        },
      },
      onConditionFailed: () => new ConcurrentChangeError(),
    };
  }
}
