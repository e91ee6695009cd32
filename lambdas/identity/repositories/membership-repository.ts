import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../catalogue/roles';
import { ConflictError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import { encodeCursor } from '../../shared/http/pagination';
import { startKeyWithin } from '../../shared/http/pagination';
import type { TxOp } from '../../shared/dynamo/transact';
import { countAll } from '../../shared/dynamo/query-all';

export interface MembershipRecord {
  org_id: string;
  user_id: string;
  email: string;
  name: string;
  role: Role;
  created_at: string;
  updated_at: string;
}

const memberKey = (orgId: string, userId: string) => ({ org_id: orgId, user_id: userId });

const changedConcurrently = () => new ConflictError('the membership changed since it was read; retry', 'concurrent_change');

export class MembershipRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  put(member: MembershipRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: { ...member }, ConditionExpression: 'attribute_not_exists(user_id)' } },
      onConditionFailed: () => new ConflictError('this user is already a member', 'already_member'),
    };
  }

  async get(orgId: string, userId: string): Promise<MembershipRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: memberKey(orgId, userId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toMembership(out.Item);
  }

  /** Members of the organization: the plan's member limit counts them. */
  /** Members of the organization (its pending invitations share the partition and do not count). */
  countForOrg(orgId: string): Promise<number> {
    return countAll(this.ddb, {
      TableName: this.tableName,
      // Consistent: plan-limit-check.ts counts after reading its guard and must see every add before it.
      ConsistentRead: true,
      KeyConditionExpression: 'org_id = :org',
      FilterExpression: 'attribute_not_exists(invitation_id)',
      ExpressionAttributeValues: { ':org': orgId },
    });
  }

  async list(orgId: string, page: PageRequest): Promise<Page<MembershipRecord>> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        // Invitations share the partition (invitation-repository.ts) and are not members; a
        // filter cannot name the sort key, so it goes by the attribute only invitations carry.
        FilterExpression: 'attribute_not_exists(invitation_id)',
        ExpressionAttributeValues: { ':org': orgId },
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toMembership), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  /** Changes the role only if it is still the one the caller read. */
  changeRole(orgId: string, userId: string, from: Role, to: Role, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: memberKey(orgId, userId),
          UpdateExpression: 'SET #role = :to, updated_at = :now',
          ConditionExpression: '#role = :from',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':now': nowIso },
        },
      },
      onConditionFailed: changedConcurrently,
    };
  }

  remove(orgId: string, userId: string, role: Role): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: memberKey(orgId, userId),
          ConditionExpression: '#role = :from',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':from': role },
        },
      },
      onConditionFailed: changedConcurrently,
    };
  }
}

function toMembership(item: Record<string, unknown>): MembershipRecord {
  return {
    org_id: String(item.org_id),
    user_id: String(item.user_id),
    email: String(item.email ?? ''),
    name: String(item.name ?? ''),
    role: item.role as Role,
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
  };
}
