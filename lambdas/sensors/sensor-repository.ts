// The Sensor table (lambdas/catalogue/tables.ts). This module is the only code that knows its keys:
//   sensors        pk = org_id, sk = sensor_id; webhook_token_hash (by-webhook-token index);
//                  s3_bucket = <bucket>#<org_id> only on enabled s3 sensors (by-s3-bucket index:
//                  an object event reads only its own organization's sensors of that bucket);
//                  poll_shard + next_poll_epoch only on enabled polling sensors (poll-due index)
//   rate counters  pk = org_id#sensor_id#rate, sk = window start (epoch s), TTL expires_at_epoch
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JsonObject } from '../engine';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor } from '../shared/http/pagination';
import { isConditionalCheckFailed, type TxOp } from '../shared/dynamo/transact';
import { countAll } from '../shared/dynamo/query-all';
import { UpdateBuilder } from '../shared/dynamo/update-builder';
import { shardNames, shardOf } from '../shared/dynamo/shard';
import type { S3SensorConfig, SensorConfig, SensorType } from './sensor-config';
import type { PollCursor, SensorRecord } from './sensor-record';
import { queryAll } from '../shared/dynamo/query-all';

export const POLL_SHARDS: readonly string[] = shardNames(4);
export const WEBHOOK_TOKEN_INDEX = 'by-webhook-token';
export const S3_BUCKET_INDEX = 'by-s3-bucket';
export const POLL_DUE_INDEX = 'poll-due';

export function pollShardOf(orgId: string, sensorId: string): string {
  return shardOf(POLL_SHARDS, orgId, sensorId);
}

const sensorKey = (orgId: string, sensorId: string) => ({ pk: orgId, sk: sensorId });
const rateKey = (orgId: string, sensorId: string, windowStart: number) => ({ pk: `${orgId}#${sensorId}#rate`, sk: String(windowStart) });
export const s3BucketKey = (bucket: string, orgId: string) => `${bucket}#${orgId}`;

export function toSensorItem(s: SensorRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...sensorKey(s.org_id, s.sensor_id),
    org_id: s.org_id,
    sensor_id: s.sensor_id,
    name: s.name,
    sensor_type: s.sensor_type,
    flow_name: s.flow_name,
    flow_params_json: JSON.stringify(s.flow_params),
    config_json: JSON.stringify(s.config),
    enabled: s.enabled,
    created_at: s.created_at,
    updated_at: s.updated_at,
    version: s.version,
  };
  const optional = {
    flow_version: s.flow_version,
    deployment_name: s.deployment_name,
    webhook_token_hash: s.webhook_token_hash,
    last_triggered_at: s.last_triggered_at,
    last_polled_at: s.last_polled_at,
    last_poll_error: s.last_poll_error,
    poll_cursor_json: s.poll_cursor === null ? null : JSON.stringify(s.poll_cursor),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== null) item[k] = v;
  if (s.enabled && s.sensor_type === 's3') item.s3_bucket = s3BucketKey((s.config as S3SensorConfig).bucket, s.org_id);
  if (s.enabled && s.sensor_type === 'polling' && s.next_poll_epoch !== null) {
    item.poll_shard = pollShardOf(s.org_id, s.sensor_id);
    item.next_poll_epoch = s.next_poll_epoch;
  } else if (s.next_poll_epoch !== null) {
    item.next_poll_epoch = s.next_poll_epoch;
  }
  return item;
}

function str(item: Record<string, unknown>, key: string): string | null {
  return typeof item[key] === 'string' ? (item[key] as string) : null;
}

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toSensor(item: Record<string, unknown>): SensorRecord {
  return {
    org_id: String(item.org_id),
    sensor_id: String(item.sensor_id),
    name: String(item.name ?? ''),
    sensor_type: item.sensor_type as SensorType,
    flow_name: String(item.flow_name),
    flow_version: str(item, 'flow_version'),
    deployment_name: str(item, 'deployment_name'),
    flow_params: parseJson<JsonObject>(item.flow_params_json, {}),
    config: parseJson<SensorConfig>(item.config_json, {} as SensorConfig),
    enabled: item.enabled === true,
    webhook_token_hash: str(item, 'webhook_token_hash'),
    last_triggered_at: str(item, 'last_triggered_at'),
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
    version: typeof item.version === 'number' ? item.version : 1,
    next_poll_epoch: typeof item.next_poll_epoch === 'number' ? item.next_poll_epoch : null,
    poll_cursor: parseJson<PollCursor | null>(item.poll_cursor_json, null),
    last_polled_at: str(item, 'last_polled_at'),
    last_poll_error: str(item, 'last_poll_error'),
  };
}

export interface PollOutcome {
  cursor: PollCursor;
  last_polled_at: string;
  last_poll_error: string | null;
  last_triggered_at?: string;
}

export class SensorRepository {
  constructor(
    readonly ddb: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(orgId: string, sensorId: string): Promise<SensorRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: sensorKey(orgId, sensorId), ConsistentRead: true }));
    return out.Item === undefined || out.Item.sensor_id === undefined ? undefined : toSensor(out.Item);
  }

  /** Sensors of the organization (the partition holds only sensors): the plan's sensor limit counts them. */
  countForOrg(orgId: string): Promise<number> {
    return countAll(this.ddb, { TableName: this.tableName, ConsistentRead: true, KeyConditionExpression: 'pk = :o', ExpressionAttributeValues: { ':o': orgId } });
  }

  async list(orgId: string, page: PageRequest): Promise<Page<SensorRecord>> {
    const start = page.exclusiveStartKey;
    if (start !== undefined && (start.pk !== orgId || typeof start.sk !== 'string' || Object.keys(start).length !== 2)) {
      throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :org',
        ExpressionAttributeValues: { ':org': orgId },
        Limit: page.limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: (out.Items ?? []).map(toSensor), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  create(s: SensorRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: toSensorItem(s), ConditionExpression: 'attribute_not_exists(pk)' } },
      onConditionFailed: () => new ConflictError(`sensor ${s.sensor_id} already exists`, 'sensor_exists'),
    };
  }

  /** The sensor's new state, only over the version the writer read. */
  replace(s: SensorRecord, expectedVersion: number, onStale: () => Error): TxOp {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: toSensorItem(s),
          ConditionExpression: 'attribute_exists(pk) AND version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        },
      },
      onConditionFailed: onStale,
    };
  }

  delete(s: SensorRecord): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: sensorKey(s.org_id, s.sensor_id),
          ConditionExpression: 'attribute_exists(pk) AND version = :v',
          ExpressionAttributeValues: { ':v': s.version },
        },
      },
      onConditionFailed: () => new NotFoundError('sensor'),
    };
  }

  /** The sensor of a webhook token's hash (any organization: the token is the credential). */
  async findByTokenHash(hash: string): Promise<SensorRecord | undefined> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: WEBHOOK_TOKEN_INDEX,
        KeyConditionExpression: 'webhook_token_hash = :h',
        ExpressionAttributeValues: { ':h': hash },
        Limit: 2,
      }),
    );
    const items = out.Items ?? [];
    return items.length === 1 ? toSensor(items[0]!) : undefined;
  }

  /** Enabled s3 sensors of one organization on one bucket. */
  async s3SensorsOf(bucket: string, orgId: string): Promise<SensorRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: S3_BUCKET_INDEX,
      KeyConditionExpression: 's3_bucket = :b',
      ExpressionAttributeValues: { ':b': s3BucketKey(bucket, orgId) },
    });
    return items.map(toSensor);
  }

  /** Polling sensors of a shard whose next poll is at or before `nowEpoch`. */
  async pollDue(shard: string, nowEpoch: number): Promise<SensorRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: POLL_DUE_INDEX,
      KeyConditionExpression: 'poll_shard = :s AND next_poll_epoch <= :now',
      ExpressionAttributeValues: { ':s': shard, ':now': nowEpoch },
    });
    return items.map(toSensor);
  }

  /**
   * Takes a due poll: moves next_poll_epoch on, only if it is still the value read (two pollers
   * never poll the same sensor for the same slot) and the sensor was not changed meanwhile.
   */
  async claimPoll(s: SensorRecord, nextPollEpoch: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sensorKey(s.org_id, s.sensor_id),
          UpdateExpression: 'SET next_poll_epoch = :next',
          ConditionExpression: 'next_poll_epoch = :read AND version = :v AND enabled = :on',
          ExpressionAttributeValues: { ':next': nextPollEpoch, ':read': s.next_poll_epoch, ':v': s.version, ':on': true },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Stores a poll's cursor, if the sensor was not changed and no other poll moved the cursor. */
  async savePoll(s: SensorRecord, outcome: PollOutcome): Promise<boolean> {
    const b = new UpdateBuilder();
    b.set('poll_cursor_json', JSON.stringify(outcome.cursor))
      .set('last_polled_at', outcome.last_polled_at)
      .set('last_poll_error', outcome.last_poll_error);
    if (outcome.last_triggered_at !== undefined) b.set('last_triggered_at', outcome.last_triggered_at);
    const cursor = b.name('poll_cursor_json');
    const condition =
      s.poll_cursor === null
        ? `${b.eq('version', s.version)} AND attribute_not_exists(${cursor})`
        : `${b.eq('version', s.version)} AND ${cursor} = ${b.value(JSON.stringify(s.poll_cursor))}`;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sensorKey(s.org_id, s.sensor_id),
          UpdateExpression: b.expression(),
          ConditionExpression: condition,
          ...b.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Records that the sensor started a run (a deleted sensor is left deleted). */
  async touchTriggered(orgId: string, sensorId: string, nowIso: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sensorKey(orgId, sensorId),
          UpdateExpression: 'SET last_triggered_at = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': nowIso },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Counts one delivery in the sensor's current window: false when the window already holds
   * `limit` (the counter item expires through the table's TTL).
   */
  async takeRateToken(orgId: string, sensorId: string, windowStart: number, windowSeconds: number, limit: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rateKey(orgId, sensorId, windowStart),
          UpdateExpression: 'ADD hits :one SET expires_at_epoch = :exp',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: { ':one': 1, ':exp': windowStart + windowSeconds * 2, ':limit': limit },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
