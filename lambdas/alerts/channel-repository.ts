// The NotificationChannel table (lambdas/catalogue/tables.ts). This module is the only code that
// knows its keys:
//   channels     org_id, channel_id = nch_...
//   deliveries   org_id, channel_id = <channel_id>#delivery#<created_at>#<delivery_id> (newest
//                last in the key, read newest first), TTL expires_at_epoch
// Channel ids never contain '#', so listing channels (begins_with "nch_") never sees a delivery.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, DagyError } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor, startKeyWithin } from '../shared/http/pagination';
import type { TxOp } from '../shared/dynamo/transact';
import { ValidationError } from '../shared/errors';
import type { ChannelType, StoredChannelConfig } from './channel-config';
import type { ChannelRecord, DeliveryRecord, DeliveryStatus } from './channel-record';

export const CHANNEL_ID_PREFIX = 'nch';
/** How long delivery records are kept (TTL). */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

const deliveryPrefix = (channelId: string) => `${channelId}#delivery#`;
const deliverySortKey = (d: Pick<DeliveryRecord, 'channel_id' | 'created_at' | 'delivery_id'>) => `${deliveryPrefix(d.channel_id)}${d.created_at}#${d.delivery_id}`;

function toChannelItem(c: ChannelRecord): Record<string, unknown> {
  return {
    org_id: c.org_id,
    channel_id: c.channel_id,
    name: c.name,
    channel_type: c.channel_type,
    config_json: JSON.stringify(c.config),
    enabled: c.enabled,
    created_at: c.created_at,
    updated_at: c.updated_at,
    version: c.version,
  };
}

function toChannel(item: Record<string, unknown>): ChannelRecord {
  return {
    org_id: String(item.org_id),
    channel_id: String(item.channel_id),
    name: String(item.name ?? ''),
    channel_type: item.channel_type as ChannelType,
    config: JSON.parse(String(item.config_json ?? '{}')) as StoredChannelConfig,
    enabled: item.enabled === true,
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
    version: typeof item.version === 'number' ? item.version : 1,
  };
}

const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toDelivery(item: Record<string, unknown>): DeliveryRecord {
  return {
    org_id: String(item.org_id),
    channel_id: String(item.delivery_channel_id),
    delivery_id: String(item.delivery_id),
    rule_id: strOrNull(item.rule_id),
    run_id: strOrNull(item.run_id),
    event: String(item.event ?? ''),
    status: item.status as DeliveryStatus,
    attempts: typeof item.attempts === 'number' ? item.attempts : 0,
    last_error: strOrNull(item.last_error),
    response_status: typeof item.response_status === 'number' ? item.response_status : null,
    created_at: String(item.created_at ?? ''),
    completed_at: strOrNull(item.completed_at),
  };
}

export class ChannelRepository {
  constructor(
    readonly ddb: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(orgId: string, channelId: string): Promise<ChannelRecord | undefined> {
    if (channelId.includes('#')) return undefined;
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, channel_id: channelId }, ConsistentRead: true }));
    return out.Item === undefined || out.Item.channel_type === undefined ? undefined : toChannel(out.Item);
  }

  async list(orgId: string, page: PageRequest): Promise<Page<ChannelRecord>> {
    const start = startKeyWithin(page, 'org_id', orgId);
    if (start !== undefined && (typeof start.channel_id !== 'string' || start.channel_id.includes('#'))) {
      throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org AND begins_with(channel_id, :p)',
        ExpressionAttributeValues: { ':org': orgId, ':p': `${CHANNEL_ID_PREFIX}_` },
        Limit: page.limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: (out.Items ?? []).filter((i) => !String(i.channel_id).includes('#')).map(toChannel), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  create(c: ChannelRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: toChannelItem(c), ConditionExpression: 'attribute_not_exists(channel_id)' } },
      onConditionFailed: () => new ConflictError(`channel ${c.channel_id} already exists`, 'channel_exists'),
    };
  }

  /** The channel's new state, only over the version the writer read. */
  replace(c: ChannelRecord, expectedVersion: number, onStale: () => Error): TxOp {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: toChannelItem(c),
          ConditionExpression: 'attribute_exists(channel_id) AND version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        },
      },
      onConditionFailed: onStale,
    };
  }

  delete(c: ChannelRecord, onStale: () => Error): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: { org_id: c.org_id, channel_id: c.channel_id },
          ConditionExpression: 'attribute_exists(channel_id) AND version = :v',
          ExpressionAttributeValues: { ':v': c.version },
        },
      },
      onConditionFailed: onStale,
    };
  }

  /** A condition that the channel exists (a rule naming it is written in the same transaction). */
  mustExist(orgId: string, channelId: string, path: string): TxOp {
    return {
      item: {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { org_id: orgId, channel_id: channelId },
          ConditionExpression: 'attribute_exists(channel_type)',
        },
      },
      onConditionFailed: () => channelNotFound(path),
    };
  }

  /** Records a delivery about to be attempted; idempotent on its id. */
  async startDelivery(d: DeliveryRecord, expiresAtEpoch: number): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          org_id: d.org_id,
          channel_id: deliverySortKey(d),
          delivery_channel_id: d.channel_id,
          delivery_id: d.delivery_id,
          rule_id: d.rule_id ?? undefined,
          run_id: d.run_id ?? undefined,
          event: d.event,
          status: d.status,
          attempts: d.attempts,
          created_at: d.created_at,
          expires_at_epoch: expiresAtEpoch,
        },
      }),
    );
  }

  /** Records the outcome so far (after each attempt): status, attempts, last error, times. */
  async recordAttempt(d: DeliveryRecord): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { org_id: d.org_id, channel_id: deliverySortKey(d) },
        UpdateExpression: 'SET #s = :s, attempts = :a, last_error = :e, response_status = :r, completed_at = :c',
        ConditionExpression: 'attribute_exists(delivery_id)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': d.status, ':a': d.attempts, ':e': d.last_error, ':r': d.response_status, ':c': d.completed_at },
      }),
    );
  }

  /** A channel's deliveries, newest first. */
  async listDeliveries(orgId: string, channelId: string, page: PageRequest): Promise<Page<DeliveryRecord>> {
    const start = startKeyWithin(page, 'org_id', orgId);
    if (start !== undefined && (typeof start.channel_id !== 'string' || !start.channel_id.startsWith(deliveryPrefix(channelId)))) {
      throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org AND begins_with(channel_id, :p)',
        ExpressionAttributeValues: { ':org': orgId, ':p': deliveryPrefix(channelId) },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: (out.Items ?? []).map(toDelivery), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }
}

/** A channel that does not exist in the caller's organization, named by the field that gave it. */
export function channelNotFound(path: string): DagyError {
  return new DagyError(404, 'not_found', 'notification channel not found', [{ path, message: 'no such notification channel in this organization' }]);
}
