// The Schedule table (lambdas/catalogue/tables.ts). This module is the only code that knows its keys:
//   key          org_id (partition, tenant isolation) + schedule_id
//   due_shard    shard-0..shard-7 by hash of org_id#schedule_id, present ONLY while the schedule is
//                enabled and has a next slot: the sparse `due` index (sort key next_run_epoch) then
//                holds exactly the schedules that may fire, and the evaluator reads nothing else
//   flow_key     org_id#flow_name (by-flow index)
//   claim_*      the evaluator's lease while it starts a schedule's runs
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SCHEDULE_DUE_SHARDS } from '../catalogue/tables';
import { countAll } from '../shared/dynamo/query-all';
import type { JsonObject } from '../engine';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor } from '../shared/http/pagination';
import { isConditionalCheckFailed, type TxOp } from '../shared/dynamo/transact';
import type { ScheduleLease, ScheduleRecord, StoredSchedule } from './schedule-record';
import type { CatchupPolicy, ScheduleMode } from './slots';
import { UpdateBuilder } from '../shared/dynamo/update-builder';
import { shardNames, shardOf } from '../shared/dynamo/shard';

export const DUE_INDEX = 'due';
export const DUE_SHARDS: readonly string[] = shardNames(SCHEDULE_DUE_SHARDS);

/** The due shard of a schedule (hash of org and id, so equal ids in two orgs spread too). */
export function dueShardOf(orgId: string, scheduleId: string): string {
  return shardOf(DUE_SHARDS, orgId, scheduleId);
}

const scheduleKey = (orgId: string, scheduleId: string) => ({ org_id: orgId, schedule_id: scheduleId });
const flowKey = (orgId: string, flowName: string) => `${orgId}#${flowName}`;

/** Attributes a schedule's record maps to (everything but keys, index keys and the lease). */
const RECORD_FIELDS = [
  'flow_name',
  'flow_version',
  'deployment_name',
  'mode',
  'enabled',
  'cron_expression',
  'interval_seconds',
  'timezone',
  'catchup_policy',
  'parameters',
  'start_at',
  'end_at',
  'next_run_epoch',
  'next_run_at',
  'last_triggered_at',
  'last_slot_at',
  'last_skipped_at',
  'last_skipped_slot_at',
  'last_skip_reason',
  'last_error',
  'last_error_at',
  'managed_by',
  'created_at',
  'updated_at',
  'version',
] as const satisfies ReadonlyArray<keyof ScheduleRecord>;

/** Fields a change through the API (or the deployment sync) may set; bookkeeping stays. */
const DEFINITION_FIELDS = [
  'flow_name',
  'flow_version',
  'deployment_name',
  'mode',
  'enabled',
  'cron_expression',
  'interval_seconds',
  'timezone',
  'catchup_policy',
  'parameters',
  'start_at',
  'end_at',
  'next_run_epoch',
  'next_run_at',
  'managed_by',
  'updated_at',
] as const satisfies ReadonlyArray<keyof ScheduleRecord>;

/** True when the schedule belongs in the due index. */
function isDueIndexed(s: Pick<ScheduleRecord, 'enabled' | 'next_run_epoch'>): boolean {
  return s.enabled && s.next_run_epoch !== null;
}

export function toScheduleItem(s: ScheduleRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { ...scheduleKey(s.org_id, s.schedule_id), flow_key: flowKey(s.org_id, s.flow_name) };
  for (const field of RECORD_FIELDS) if (s[field] !== null) item[field] = s[field];
  if (isDueIndexed(s)) item.due_shard = dueShardOf(s.org_id, s.schedule_id);
  return item;
}

function str(item: Record<string, unknown>, key: string): string | null {
  return typeof item[key] === 'string' ? (item[key] as string) : null;
}
function num(item: Record<string, unknown>, key: string): number | null {
  return typeof item[key] === 'number' ? (item[key] as number) : null;
}

export function toStoredSchedule(item: Record<string, unknown>): StoredSchedule {
  const schedule: ScheduleRecord = {
    org_id: String(item.org_id),
    schedule_id: String(item.schedule_id),
    flow_name: String(item.flow_name),
    flow_version: str(item, 'flow_version'),
    deployment_name: str(item, 'deployment_name'),
    mode: item.mode as ScheduleMode,
    enabled: item.enabled === true,
    cron_expression: str(item, 'cron_expression'),
    interval_seconds: num(item, 'interval_seconds'),
    timezone: str(item, 'timezone') ?? 'UTC',
    catchup_policy: (str(item, 'catchup_policy') ?? 'none') as CatchupPolicy,
    parameters: (typeof item.parameters === 'object' && item.parameters !== null ? item.parameters : {}) as JsonObject,
    start_at: str(item, 'start_at'),
    end_at: str(item, 'end_at'),
    next_run_epoch: num(item, 'next_run_epoch'),
    next_run_at: str(item, 'next_run_at'),
    last_triggered_at: str(item, 'last_triggered_at'),
    last_slot_at: str(item, 'last_slot_at'),
    last_skipped_at: str(item, 'last_skipped_at'),
    last_skipped_slot_at: str(item, 'last_skipped_slot_at'),
    last_skip_reason: str(item, 'last_skip_reason'),
    last_error: str(item, 'last_error'),
    last_error_at: str(item, 'last_error_at'),
    managed_by: item.managed_by === 'deployment' ? 'deployment' : null,
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
    version: num(item, 'version') ?? 1,
  };
  const token = str(item, 'claim_token');
  const lease: ScheduleLease | null =
    token === null ? null : { token, expires_epoch: num(item, 'claim_expires_epoch') ?? 0, horizon_epoch: num(item, 'claim_horizon_epoch') ?? 0 };
  return { schedule, lease };
}

/** What the evaluator writes when it gives a schedule back. */
export interface ScheduleProgress {
  /** The new first unfired slot; null: nothing left (the schedule is disabled). */
  next_run_epoch: number | null;
  next_run_at: string | null;
  last_triggered_at?: string;
  last_slot_at?: string;
  last_skipped_at?: string;
  last_skipped_slot_at?: string;
  last_skip_reason?: string;
  last_error?: string;
  last_error_at?: string;
}

export interface DueQueryPage {
  items: StoredSchedule[];
  /** DynamoDB's Count and ScannedCount of the Query (items read), for the benchmark. */
  count: number;
  scannedCount: number;
  lastKey: Record<string, unknown> | undefined;
}

/** What a lost claim saw on the item (from ReturnValuesOnConditionCheckFailure), without a re-read. */
export interface ClaimConflict {
  /** The item is gone (deleted). */
  missing: boolean;
  enabled: boolean;
  next_run_epoch: number | null;
  version: number | null;
  lease: ScheduleLease | null;
}

export type ClaimOutcome = { claimed: true; stored: StoredSchedule } | { claimed: false; conflict: ClaimConflict };

type RawAttribute = { S?: string; N?: string; BOOL?: boolean };

/** The few attributes a lost claim needs, from the raw (AttributeValue) item the error carries. */
function claimConflictOf(raw: Record<string, RawAttribute> | undefined): ClaimConflict {
  if (raw === undefined) return { missing: true, enabled: false, next_run_epoch: null, version: null, lease: null };
  const n = (k: string) => (raw[k]?.N !== undefined ? Number(raw[k]!.N) : null);
  const token = raw.claim_token?.S;
  return {
    missing: false,
    enabled: raw.enabled?.BOOL === true,
    next_run_epoch: n('next_run_epoch'),
    version: n('version'),
    lease: token === undefined ? null : { token, expires_epoch: n('claim_expires_epoch') ?? 0, horizon_epoch: n('claim_horizon_epoch') ?? 0 },
  };
}

export class ScheduleRepository {
  constructor(
    readonly ddb: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(orgId: string, scheduleId: string): Promise<StoredSchedule | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: scheduleKey(orgId, scheduleId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toStoredSchedule(out.Item);
  }

  /** Schedules of the organization (its own and deployment-managed): the plan's schedule limit counts them. */
  countForOrg(orgId: string): Promise<number> {
    return countAll(this.ddb, { TableName: this.tableName, ConsistentRead: true, KeyConditionExpression: 'org_id = :o', ExpressionAttributeValues: { ':o': orgId } });
  }

  async list(orgId: string, page: PageRequest): Promise<Page<ScheduleRecord>> {
    const start = page.exclusiveStartKey;
    if (start !== undefined && (start.org_id !== orgId || typeof start.schedule_id !== 'string' || Object.keys(start).length !== 2)) {
      throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        ExpressionAttributeValues: { ':org': orgId },
        Limit: page.limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => toStoredSchedule(i).schedule),
      next_cursor: encodeCursor(out.LastEvaluatedKey),
    };
  }

  /** A new schedule; 409 when the id is taken in the organization. */
  create(s: ScheduleRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: toScheduleItem(s), ConditionExpression: 'attribute_not_exists(schedule_id)' } },
      onConditionFailed: () => new ConflictError(`schedule ${s.schedule_id} already exists`, 'schedule_exists'),
    };
  }

  /**
   * Rewrites a schedule's definition (and next slot), keeping its bookkeeping and any lease, only
   * if its version is still `expectedVersion`; the new version is `s.version`.
   */
  replace(s: ScheduleRecord, expectedVersion: number, onStale: () => Error = () => new PreconditionFailedError()): TxOp {
    const b = new UpdateBuilder();
    for (const field of DEFINITION_FIELDS) b.set(field, s[field]);
    b.set('version', s.version);
    b.set('flow_key', flowKey(s.org_id, s.flow_name));
    b.set('due_shard', isDueIndexed(s) ? dueShardOf(s.org_id, s.schedule_id) : null);
    const condition = `attribute_exists(schedule_id) AND ${b.eq('version', expectedVersion)}`;
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: scheduleKey(s.org_id, s.schedule_id),
          UpdateExpression: b.expression(),
          ConditionExpression: condition,
          ...b.attributes(),
        },
      },
      onConditionFailed: onStale,
    };
  }

  delete(orgId: string, scheduleId: string, expectedVersion: number | undefined): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: scheduleKey(orgId, scheduleId),
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_exists(schedule_id)' : 'attribute_exists(schedule_id) AND version = :v',
          ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        },
      },
      onConditionFailed: () => (expectedVersion === undefined ? new NotFoundError('schedule') : new PreconditionFailedError()),
    };
  }

  /** One page of a due shard: schedules whose next slot is at or before `horizonEpoch`, oldest first. */
  async queryDue(shard: string, horizonEpoch: number, startKey?: Record<string, unknown>, limit?: number): Promise<DueQueryPage> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: 'due_shard = :shard AND next_run_epoch <= :horizon',
        ExpressionAttributeValues: { ':shard': shard, ':horizon': horizonEpoch },
        ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        ...(limit !== undefined ? { Limit: limit } : {}),
      }),
    );
    return {
      items: (out.Items ?? []).map(toStoredSchedule),
      count: out.Count ?? 0,
      scannedCount: out.ScannedCount ?? 0,
      lastKey: out.LastEvaluatedKey,
    };
  }

  /**
   * Takes the schedule for one evaluator: only if its next slot is still the one read (so two
   * evaluators never fire a slot twice), it is enabled, and no live lease is held.
   */
  async claim(s: ScheduleRecord, lease: ScheduleLease, nowEpoch: number): Promise<ClaimOutcome> {
    const b = new UpdateBuilder();
    b.set('claim_token', lease.token).set('claim_expires_epoch', lease.expires_epoch).set('claim_horizon_epoch', lease.horizon_epoch);
    const token = b.name('claim_token');
    const expires = b.name('claim_expires_epoch');
    const condition = [
      b.eq('next_run_epoch', s.next_run_epoch),
      b.eq('enabled', true),
      b.eq('version', s.version),
      `(attribute_not_exists(${token}) OR ${expires} < ${b.value(nowEpoch)})`,
    ].join(' AND ');
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: scheduleKey(s.org_id, s.schedule_id),
          UpdateExpression: b.expression(),
          ConditionExpression: condition,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...b.attributes(),
        }),
      );
      return { claimed: true, stored: toStoredSchedule(out.Attributes ?? {}) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        return { claimed: false, conflict: claimConflictOf((error as { Item?: Record<string, RawAttribute> }).Item) };
      }
      throw error;
    }
  }

  /**
   * Gives the schedule back with its progress, if the lease is still ours and nobody changed the
   * schedule meanwhile. Otherwise only drops our lease (an edit's new next slot stands). False
   * when the progress could not be written.
   */
  async release(s: ScheduleRecord, token: string, progress: ScheduleProgress): Promise<boolean> {
    const finished = progress.next_run_epoch === null;
    const b = new UpdateBuilder();
    b.set('next_run_epoch', progress.next_run_epoch).set('next_run_at', progress.next_run_at);
    if (finished) b.set('enabled', false).remove('due_shard');
    this.setBookkeeping(b, progress);
    b.remove('claim_token').remove('claim_expires_epoch').remove('claim_horizon_epoch');
    const condition = `${b.eq('claim_token', token)} AND ${b.eq('version', s.version)}`;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: scheduleKey(s.org_id, s.schedule_id),
          UpdateExpression: b.expression(),
          ConditionExpression: condition,
          ...b.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // Edited (or deleted, or the lease expired and was taken) while we held it: keep the record
    // of what we did, drop our lease, leave the definition and next slot alone.
    const d = new UpdateBuilder();
    this.setBookkeeping(d, progress);
    d.remove('claim_token').remove('claim_expires_epoch').remove('claim_horizon_epoch');
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: scheduleKey(s.org_id, s.schedule_id),
          UpdateExpression: d.expression(),
          ConditionExpression: d.eq('claim_token', token),
          ...d.attributes(),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    return false;
  }

  private setBookkeeping(b: UpdateBuilder, p: ScheduleProgress): void {
    const optional: Array<keyof ScheduleProgress> = [
      'last_triggered_at',
      'last_slot_at',
      'last_skipped_at',
      'last_skipped_slot_at',
      'last_skip_reason',
      'last_error',
      'last_error_at',
    ];
    for (const field of optional) if (p[field] !== undefined) b.set(field, p[field]);
  }
}
