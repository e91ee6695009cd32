import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../catalogue/roles';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import { encodeCursor } from '../../shared/http/pagination';
import { startKeyWithin } from '../../shared/http/pagination';
import type { TxOp } from '../../shared/dynamo/transact';
import { queryAll } from '../../shared/dynamo/query-all';

export interface ApiKeyRecord {
  org_id: string;
  key_id: string;
  name: string;
  role: Role;
  /** SHA-256 hex of the key: the by-hash index resolves a presented key with one Query. */
  key_hash: string;
  /** The non-secret start of the key, so users can tell keys apart. */
  key_prefix: string;
  created_by: string;
  created_by_user_id: string;
  created_at: string;
  expires_at?: string;
  last_used_at?: string;
}

const apiKeyKey = (orgId: string, keyId: string) => ({ org_id: orgId, key_id: keyId });
const BY_HASH = 'by-hash';

export class ApiKeyRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  put(key: ApiKeyRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: { ...key }, ConditionExpression: 'attribute_not_exists(key_id)' } },
      onConditionFailed: () => new Error(`API key id collision ${key.key_id}`),
    };
  }

  async get(orgId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: apiKeyKey(orgId, keyId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toApiKey(out.Item);
  }

  async list(orgId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        ExpressionAttributeValues: { ':org': orgId },
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toApiKey), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  remove(orgId: string, keyId: string): TxOp {
    return {
      item: { Delete: { TableName: this.tableName, Key: apiKeyKey(orgId, keyId), ConditionExpression: 'attribute_exists(key_id)' } },
      onConditionFailed: () => new NotFoundError('API key'),
    };
  }

  /** Every key one user created in an organization (a Query of the org's partition, filtered). */
  async listByCreator(orgId: string, userId: string): Promise<ApiKeyRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'org_id = :org',
      FilterExpression: 'created_by_user_id = :user',
      ExpressionAttributeValues: { ':org': orgId, ':user': userId },
    });
    return items.map(toApiKey);
  }

  /** Lowers a key's role (when its creator is demoted). */
  capRole(orgId: string, keyId: string, role: Role): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: apiKeyKey(orgId, keyId),
          UpdateExpression: 'SET #role = :role',
          ConditionExpression: 'attribute_exists(key_id)',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': role },
        },
      },
      onConditionFailed: () => new ConflictError('an API key changed concurrently; retry', 'concurrent_change'),
    };
  }

  /** The key with this hash, if any (the authorizer's one read for an API key). */
  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_HASH,
        KeyConditionExpression: 'key_hash = :h',
        ExpressionAttributeValues: { ':h': keyHash },
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    return item === undefined ? undefined : toApiKey(item);
  }

  /**
   * Records use at most once per interval: the condition makes concurrent requests write once,
   * and callers skip the write entirely when the key they read was used recently.
   */
  async touchLastUsed(orgId: string, keyId: string, nowIso: string, staleBeforeIso: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: apiKeyKey(orgId, keyId),
          UpdateExpression: 'SET last_used_at = :now',
          ConditionExpression: 'attribute_exists(key_id) AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)',
          ExpressionAttributeValues: { ':now': nowIso, ':stale': staleBeforeIso },
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
  }
}

function toApiKey(item: Record<string, unknown>): ApiKeyRecord {
  return {
    org_id: String(item.org_id),
    key_id: String(item.key_id),
    name: String(item.name ?? ''),
    role: item.role as Role,
    key_hash: String(item.key_hash),
    key_prefix: String(item.key_prefix ?? ''),
    created_by: String(item.created_by ?? ''),
    created_by_user_id: String(item.created_by_user_id ?? ''),
    created_at: String(item.created_at ?? ''),
    ...(typeof item.expires_at === 'string' ? { expires_at: item.expires_at } : {}),
    ...(typeof item.last_used_at === 'string' ? { last_used_at: item.last_used_at } : {}),
  };
}
