import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UnauthorizedError } from '../../shared/errors';
import type { TxOp } from '../../shared/dynamo/transact';

/** A session token, stored only as its SHA-256 (token_hash is the key). */
export interface AccessTokenRecord {
  token_hash: string;
  /** Non-secret id, for audit records and listings. */
  token_id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** TTL attribute: DynamoDB deletes the item some time after this (the authorizer also checks it). */
  expires_at_epoch: number;
  revoked_at?: string;
}

export const accessTokenKey = (tokenHash: string) => ({ token_hash: tokenHash });

export class AccessTokenRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  put(token: AccessTokenRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: { ...token }, ConditionExpression: 'attribute_not_exists(token_hash)' } },
      onConditionFailed: () => new Error('access token hash collision'),
    };
  }

  async get(tokenHash: string): Promise<AccessTokenRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: accessTokenKey(tokenHash), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toAccessToken(out.Item);
  }

  /** Marks the caller's own live token revoked; it stays until its TTL so the reason is known. */
  revoke(tokenHash: string, userId: string, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: accessTokenKey(tokenHash),
          UpdateExpression: 'SET revoked_at = :now',
          ConditionExpression: 'attribute_exists(token_hash) AND user_id = :user AND attribute_not_exists(revoked_at)',
          ExpressionAttributeValues: { ':now': nowIso, ':user': userId },
        },
      },
      onConditionFailed: () => new UnauthorizedError('invalid credentials: revoked'),
    };
  }
}

export function toAccessToken(item: Record<string, unknown>): AccessTokenRecord {
  return {
    token_hash: String(item.token_hash),
    token_id: String(item.token_id ?? ''),
    user_id: String(item.user_id),
    created_at: String(item.created_at ?? ''),
    expires_at: String(item.expires_at ?? ''),
    expires_at_epoch: Number(item.expires_at_epoch ?? 0),
    ...(typeof item.revoked_at === 'string' ? { revoked_at: item.revoked_at } : {}),
  };
}
