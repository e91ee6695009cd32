import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../shared/http/pagination';
import { startKeyWithin } from '../shared/http/pagination';
import type { TransactItem } from '../shared/dynamo/transact';
import type { SealedSecret } from './envelope';

/** What may leave the service about a secret: never its value, sealed or not. */
export interface SecretMetadata {
  org_id: string;
  secret_name: string;
  /** The environment it is scoped to; null for an org-wide secret. */
  environment: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The stored item (seed entity Secret): the value as a Fernet token and its wrapped data key. */
export interface StoredSecret extends SecretMetadata, SealedSecret {
  /** Orders replacements: a write lands only over the revision it read. */
  revision: number;
}

export interface SecretRef {
  secret_name: string;
  environment: string | null;
}

const METADATA_FIELDS = ['org_id', 'secret_name', 'environment', 'created_by', 'created_at', 'updated_at'] as const;
const ORG_WIDE = '*';
const sortKey = (ref: SecretRef) => `${ref.environment ?? ORG_WIDE}#${ref.secret_name}`;

function toMetadata(item: Record<string, unknown>): SecretMetadata {
  const out: Record<string, unknown> = {};
  for (const field of METADATA_FIELDS) out[field] = item[field] ?? null;
  return out as unknown as SecretMetadata;
}

function toStored(item: Record<string, unknown>): StoredSecret {
  return {
    ...toMetadata(item),
    encrypted_value: item.encrypted_value as string,
    encrypted_data_key: item.encrypted_data_key as string,
    revision: typeof item.revision === 'number' ? item.revision : 1,
  };
}

const BATCH_GET_LIMIT = 100;
const MAX_BATCH_ROUNDS = 8;

/**
 * The only code that knows the Secret table's keys: org_id, and `<environment>#<secret_name>`
 * with `*` for org-wide secrets (environment names never contain `*` or `#`).
 */
export class SecretRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string, ref: SecretRef): Promise<StoredSecret | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, sk: sortKey(ref) }, ConsistentRead: true }),
    );
    return out.Item === undefined ? null : toStored(out.Item);
  }

  /** Many secrets at once (BatchGetItem, 100 keys a request, unprocessed keys retried). */
  async getMany(orgId: string, refs: SecretRef[]): Promise<StoredSecret[]> {
    const found: StoredSecret[] = [];
    const keys = [...new Set(refs.map(sortKey))].map((sk) => ({ org_id: orgId, sk }));
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round === MAX_BATCH_ROUNDS) throw new Error('secret lookup: DynamoDB kept keys unprocessed');
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
        const out = await this.ddb.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) found.push(toStored(item));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  /**
   * Metadata only (the sealed value is not even read): every secret of the org, or those scoped
   * to one environment.
   */
  async list(orgId: string, environment: string | undefined, page: PageRequest) {
    const names: Record<string, string> = {};
    METADATA_FIELDS.forEach((field, i) => (names[`#f${i}`] = field));
    const values: Record<string, unknown> = { ':org': orgId };
    let condition = 'org_id = :org';
    if (environment !== undefined) {
      condition += ' AND begins_with(sk, :scope)';
      values[':scope'] = `${environment}#`;
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(', '),
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toMetadata), lastKey: out.LastEvaluatedKey };
  }

  /** New when `readRevision` is null, else only over the revision read. */
  put(secret: StoredSecret, readRevision: number | null): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...secret, sk: sortKey(secret) },
        ...(readRevision === null
          ? { ConditionExpression: 'attribute_not_exists(sk)' }
          : { ConditionExpression: 'revision = :read', ExpressionAttributeValues: { ':read': readRevision } }),
      },
    };
  }

  delete(secret: StoredSecret): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: { org_id: secret.org_id, sk: sortKey(secret) },
        ConditionExpression: 'revision = :read',
        ExpressionAttributeValues: { ':read': secret.revision },
      },
    };
  }
}
