import { UpdateBuilder } from '../shared/dynamo/update-builder';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { RunStatus } from '../engine';
import { isTerminalRunStatus } from '../engine';
import type { JsonObject } from '../engine';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import { shardNames, shardOf } from '../shared/dynamo/shard';
import { RUN_ACTIVE_SHARDS } from '../catalogue/tables';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor, startKeyWithin } from '../shared/http/pagination';
import type { RunCost } from '../usage/cost-model';

// The Run table (see lambdas/catalogue/tables.ts). This module is the only code that knows its keys:
//   run items          pk = org_id#run_id, with org_id, created_sort, flow_key, status_key and
//                      deployment_key (when the run has a deployment) feeding the sparse GSIs
//                      and active_shard (only while QUEUED or RUNNING: the reconciler's sweep)
//   idempotency items  pk = org_id#idem#<key>, {run_id, expires_at_epoch, request_hash?}; NO
//                      org_id/created_sort, so they never appear in a GSI; TTL deletes them late,
//                      reads check expiry. Clients' keys arrive namespaced by the run starter.

export const RUN_EXECUTORS = ['lambda', 'step-functions', 'ecs'] as const;
export type RunExecutor = (typeof RUN_EXECUTORS)[number];
export function isRunExecutor(value: unknown): value is RunExecutor {
  return typeof value === 'string' && (RUN_EXECUTORS as readonly string[]).includes(value);
}

export const RUN_TRIGGER_TYPES = ['manual', 'schedule', 'sensor', 'retry'] as const;
export type RunTriggerType = (typeof RUN_TRIGGER_TYPES)[number];

/** How long an Idempotency-Key keeps returning the same run. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/**
 * Fields the orchestration may set on a run besides its status (through transitionRun's `fields`
 * or updateRun). A null value REMOVES the attribute. Ask the owner of this file to add a field.
 */
export interface RunMutableFields {
  /** Backend id: the Step Functions executionArn (set by the run starter). */
  external_id: string;
  /** ARN of the ECS task that runs the whole DAG (executor `ecs`); the cancel route stops it. */
  ecs_task_arn: string;
  /** Why the run FAILED or was CANCELLED. */
  error_message: string;
  /** The flow's resolved outputs, stored when the run finishes (GET /runs/{id} shows them). */
  outputs: JsonObject;
  /** The current `.waitForTaskToken` token of the run's advance loop. */
  wait_token: string;
  /** Advance-loop counter (compare-and-set with updateRun's `expect`, or bump with `add`). */
  loop_iteration: number;
  /** Opaque orchestration state (anything else the orchestrator wants to keep on the run). */
  orchestration: JsonObject;
  /** The run's modelled AWS cost, stored when it ends (execution/run-cost.ts). */
  cost: RunCost;
  /** Why a QUEUED run waits for an execution slot (plan or deployment concurrency limit); set while it waits. */
  queued_reason: string;
}
export type RunFieldUpdates = { [K in keyof RunMutableFields]?: RunMutableFields[K] | null };
type NumericRunField = 'loop_iteration';

/** A run as the rest of the code sees it (seed fields + Dagy's additions, no key attributes). */
export interface RunRecord {
  org_id: string;
  run_id: string;
  run_slug: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  /** The deployment's environment (scopes the run's secrets); null for runs of a bare flow version. */
  environment: string | null;
  status: RunStatus;
  /** The status before the last transition (null for a run never transitioned). */
  previous_status: RunStatus | null;
  parameters: JsonObject;
  executor: RunExecutor;
  external_id: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  trigger_type: RunTriggerType;
  /** schedule_id, sensor_id or the original run_id (retry). */
  trigger_id: string | null;
  /** Schedule slot (ISO) for schedule-triggered runs. */
  trigger_slot: string | null;
  /** The run this one retries. */
  retry_of: string | null;
  actor_email: string;
  idempotency_key: string | null;
  ecs_task_arn: string | null;
  error_message: string | null;
  outputs: JsonObject | null;
  wait_token: string | null;
  loop_iteration: number;
  orchestration: JsonObject | null;
  cost: RunCost | null;
  /** Set when the run waited QUEUED for an execution slot (see lambdas/execution/run-queue.ts). */
  queued_reason: string | null;
}

/** What the run starter gives to create a run (the repository fills keys, status and times). */
export interface NewRun {
  org_id: string;
  run_id: string;
  run_slug: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  environment: string | null;
  parameters: JsonObject;
  executor: RunExecutor;
  trigger_type: RunTriggerType;
  trigger_id: string | null;
  trigger_slot: string | null;
  retry_of: string | null;
  actor_email: string;
  idempotency_key: string | null;
}

/** A ConditionCheck item of a TransactWriteItems (see RunRepository.runningCheck). */
export type RunningCheck = {
  ConditionCheck: { TableName: string; Key: Record<string, unknown>; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> };
};
/** Extra items written in the same TransactWriteItems as the run (e.g. the audit record's Put). */
export type TransactPut = { Put: { TableName: string; Item: Record<string, unknown>; ConditionExpression?: string } };

/** `request_hash`: the hash stored with the idempotency record that returned this run (null: none). */
export type CreateRunResult = { created: true; run: RunRecord } | { created: false; run: RunRecord; request_hash: string | null };

/** A live idempotency record's run, with the request hash stored alongside (null when none was). */
export interface IdempotentRun {
  run: RunRecord;
  request_hash: string | null;
}

export interface RunListFilter {
  status?: RunStatus;
  flow_name?: string;
  deployment_name?: string;
}

/** What parkLoop found: the run, the token parked before (if any), and the task names changed since that park. */
export type LoopPark =
  | { won: true; run: RunRecord; previous_token: string | null; changed: string[] }
  | { won: false; current: RunRecord | null };

export type RunTransition =
  | { won: true; run: RunRecord }
  /** `current` is the run as it is now (null when it does not exist). */
  | { won: false; current: RunRecord | null };

export interface RunUpdateGuard {
  /** The run must be in one of these statuses. */
  status?: RunStatus[];
  /** Each field must equal the value (null: the attribute must be absent). */
  fields?: RunFieldUpdates;
}

/**
 * The allowed run status changes. QUEUED→FAILED is the run starter's way out when StartExecution
 * fails (a run is never left QUEUED forever). Nothing leaves a terminal status.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  QUEUED: ['RUNNING', 'CANCELLED', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/** Attributes no caller may set through `fields`: keys, index keys and lifecycle fields. */
const MUTABLE_FIELDS: ReadonlySet<string> = new Set<keyof RunMutableFields>([
  'external_id',
  'ecs_task_arn',
  'error_message',
  'outputs',
  'wait_token',
  'loop_iteration',
  'orchestration',
  'cost',
  'queued_reason',
]);

const runPk = (orgId: string, runId: string) => `${orgId}#${runId}`;
const idemPk = (orgId: string, key: string) => `${orgId}#idem#${key}`;
const createdSort = (createdAt: string, runId: string) => `${createdAt}#${runId}`;
const statusKey = (orgId: string, status: RunStatus) => `${orgId}#${status}`;

/** The shards of the Run table's sparse `active` index (runs QUEUED or RUNNING). */
export const ACTIVE_SHARDS: readonly string[] = shardNames(RUN_ACTIVE_SHARDS);
const activeShard = (orgId: string, runId: string) => shardOf(ACTIVE_SHARDS, orgId, runId);

function toRun(item: Record<string, unknown>): RunRecord {
  const s = (k: string): string | null => (typeof item[k] === 'string' ? (item[k] as string) : null);
  const o = (k: string): JsonObject | null => (typeof item[k] === 'object' && item[k] !== null ? (item[k] as JsonObject) : null);
  return {
    org_id: item.org_id as string,
    run_id: item.run_id as string,
    run_slug: item.run_slug as string,
    flow_name: item.flow_name as string,
    flow_version: item.flow_version as string,
    deployment_name: s('deployment_name'),
    environment: s('environment'),
    status: item.status as RunStatus,
    previous_status: s('previous_status') as RunStatus | null,
    parameters: o('parameters') ?? {},
    executor: item.executor as RunExecutor,
    external_id: s('external_id'),
    started_at: s('started_at'),
    completed_at: s('completed_at'),
    created_at: item.created_at as string,
    updated_at: s('updated_at') ?? (item.created_at as string),
    trigger_type: (s('trigger_type') ?? 'manual') as RunTriggerType,
    trigger_id: s('trigger_id'),
    trigger_slot: s('trigger_slot'),
    retry_of: s('retry_of'),
    actor_email: s('actor_email') ?? '',
    idempotency_key: s('idempotency_key'),
    ecs_task_arn: s('ecs_task_arn'),
    error_message: s('error_message'),
    outputs: o('outputs'),
    wait_token: s('wait_token'),
    loop_iteration: typeof item.loop_iteration === 'number' ? item.loop_iteration : 0,
    orchestration: o('orchestration'),
    cost: o('cost') as RunCost | null,
    queued_reason: s('queued_reason'),
  };
}

/** A stored item is a run (not an idempotency record) when it carries org_id and run_slug. */
function isRunItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return item !== undefined && typeof item.org_id === 'string' && typeof item.run_slug === 'string';
}

function applyFields(b: UpdateBuilder, fields: RunFieldUpdates | undefined): void {
  for (const [field, value] of Object.entries(fields ?? {})) {
    if (!MUTABLE_FIELDS.has(field)) throw new Error(`run field ${field} cannot be updated`);
    if (value === undefined) continue;
    if (value === null) b.remove(field);
    else b.set(field, value);
  }
}

function guardConditions(b: UpdateBuilder, guard: RunUpdateGuard | undefined): string[] {
  const conditions = ['attribute_exists(run_slug)'];
  if (guard?.status !== undefined) conditions.push(b.inList('status', guard.status));
  for (const [field, value] of Object.entries(guard?.fields ?? {})) {
    if (!MUTABLE_FIELDS.has(field)) throw new Error(`run field ${field} cannot be guarded`);
    if (value === undefined) continue;
    const name = b.name(field);
    conditions.push(value === null ? `(attribute_not_exists(${name}) OR ${name} = ${b.value(null)})` : `${name} = ${b.value(value)}`);
  }
  return conditions;
}

export interface RunRepositoryOptions {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/**
 * Runs in DynamoDB. Every status change is conditional on the status the writer expects, and a
 * lost race is an answer (`false` / `{won: false}`), never an exception.
 */
export class RunRepository {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: Clock;

  constructor(options: RunRepositoryOptions) {
    this.ddb = options.ddb;
    this.table = options.tableName;
    this.clock = options.clock;
  }

  /**
   * Creates a QUEUED run and, with an idempotency key, its idempotency record, in one
   * TransactWriteItems (plus `extraPuts`, e.g. the audit record). When the key is already taken
   * (and not expired), nothing is written and the existing run is returned with created: false.
   */
  async create(input: NewRun, extraPuts: TransactPut[] = [], options: { requestHash?: string } = {}): Promise<CreateRunResult> {
    const now = isoNow(this.clock);
    const item: Record<string, unknown> = {
      pk: runPk(input.org_id, input.run_id),
      ...input,
      status: 'QUEUED' satisfies RunStatus,
      created_at: now,
      updated_at: now,
      created_sort: createdSort(now, input.run_id),
      flow_key: `${input.org_id}#${input.flow_name}`,
      status_key: statusKey(input.org_id, 'QUEUED'),
      active_shard: activeShard(input.org_id, input.run_id),
      loop_iteration: 0,
    };
    if (input.deployment_name !== null) item.deployment_key = `${input.org_id}#${input.deployment_name}`;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    const key = input.idempotency_key;
    const nowEpoch = epochSeconds(this.clock);
    if (key !== null) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: idemPk(input.org_id, key),
            run_id: input.run_id,
            created_at: now,
            expires_at_epoch: nowEpoch + IDEMPOTENCY_TTL_SECONDS,
            ...(options.requestHash === undefined ? {} : { request_hash: options.requestHash }),
          },
          // An expired record (TTL deletes late) may be replaced.
          ConditionExpression: 'attribute_not_exists(pk) OR expires_at_epoch < :now',
          ExpressionAttributeValues: { ':now': nowEpoch },
        },
      });
    }
    items.push(...extraPuts);
    // Concurrent requests with one key: the winner's transaction commits, the others are cancelled
    // (ConditionalCheckFailed once it has, TransactionConflict while it is in flight) and answer
    // with the winner's run.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ddb.send(new TransactWriteCommand({ TransactItems: items }));
        return { created: true, run: toRun(item) };
      } catch (error) {
        if (key === null || !(error instanceof TransactionCanceledException)) throw error;
        const code = error.CancellationReasons?.[1]?.Code;
        if (code !== 'ConditionalCheckFailed' && code !== 'TransactionConflict') throw error;
        const existing = await this.findIdempotent(input.org_id, key);
        if (existing !== null) return { created: false, run: existing.run, request_hash: existing.request_hash };
        // No run behind the key: the winner is still in flight (retry), or the record expired
        // between the two reads (surface the conflict rather than guess).
        if (code !== 'TransactionConflict' || attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      }
    }
  }

  /** The run an unexpired idempotency key points at, or null. */
  async findByIdempotencyKey(orgId: string, key: string): Promise<RunRecord | null> {
    return (await this.findIdempotent(orgId, key))?.run ?? null;
  }

  /** The run an unexpired idempotency key points at, with the request hash stored with the key. */
  async findIdempotent(orgId: string, key: string): Promise<IdempotentRun | null> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: idemPk(orgId, key) }, ConsistentRead: true }));
    const record = out.Item;
    if (record === undefined || typeof record.run_id !== 'string') return null;
    if (typeof record.expires_at_epoch === 'number' && record.expires_at_epoch < epochSeconds(this.clock)) return null;
    const run = await this.get(orgId, record.run_id, { consistent: true });
    return run === null ? null : { run, request_hash: typeof record.request_hash === 'string' ? record.request_hash : null };
  }

  /**
   * A transaction's check that the run is still RUNNING, for writes that must not happen in a
   * cancelled or finished run (grouped task-run writes, which start the next attempts: TaskRunRepository.writeGrouped).
   */
  runningCheck(orgId: string, runId: string): RunningCheck {
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: runPk(orgId, runId) },
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'RUNNING' satisfies RunStatus },
      },
    };
  }

  /** A run of the organization, or null (also for another org's run id: the key holds the org). */
  async get(orgId: string, runId: string, options: { consistent?: boolean } = {}): Promise<RunRecord | null> {
    if (runId === '' || runId.includes('#')) return null;
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { pk: runPk(orgId, runId) }, ConsistentRead: options.consistent ?? false }),
    );
    return isRunItem(out.Item) && out.Item.org_id === orgId ? toRun(out.Item) : null;
  }

  /**
   * Runs of an organization newest first, optionally filtered. One index serves the most selective
   * filter (deployment, then flow, then status, else the org); the others become a filter
   * expression, and the page is filled up to `limit` with a bounded number of Queries.
   */
  async list(orgId: string, filter: RunListFilter, page: PageRequest): Promise<Page<RunRecord>> {
    let index: string;
    let keyAttr: string;
    let keyValue: string;
    const filters: Array<[string, string]> = [];
    if (filter.deployment_name !== undefined) {
      [index, keyAttr, keyValue] = ['by-deployment', 'deployment_key', `${orgId}#${filter.deployment_name}`];
      if (filter.flow_name !== undefined) filters.push(['flow_name', filter.flow_name]);
      if (filter.status !== undefined) filters.push(['status', filter.status]);
    } else if (filter.flow_name !== undefined) {
      [index, keyAttr, keyValue] = ['by-flow', 'flow_key', `${orgId}#${filter.flow_name}`];
      if (filter.status !== undefined) filters.push(['status', filter.status]);
    } else if (filter.status !== undefined) {
      [index, keyAttr, keyValue] = ['by-status', 'status_key', statusKey(orgId, filter.status)];
    } else {
      [index, keyAttr, keyValue] = ['by-org', 'org_id', orgId];
    }
    const names: Record<string, string> = { '#k': keyAttr };
    const values: Record<string, unknown> = { ':k': keyValue };
    filters.forEach(([attr, value], i) => {
      names[`#f${i}`] = attr;
      values[`:f${i}`] = value;
    });
    const base: QueryCommandInput = {
      TableName: this.table,
      IndexName: index,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      ...(filters.length > 0 ? { FilterExpression: filters.map((_, i) => `#f${i} = :f${i}`).join(' AND ') } : {}),
    };
    const items: RunRecord[] = [];
    // A cursor must come from this same list (its index partition): another org's is a 400.
    let startKey = startKeyWithin(page, keyAttr, keyValue);
    // With a filter a Query may return fewer items than it read: keep reading (bounded) to fill the page.
    for (let round = 0; round < 10; round++) {
      const out = await this.query({ ...base, Limit: page.limit - items.length, ExclusiveStartKey: startKey });
      for (const item of out.Items ?? []) if (isRunItem(item) && item.org_id === orgId) items.push(toRun(item));
      startKey = out.LastEvaluatedKey;
      if (startKey === undefined || items.length >= page.limit) break;
    }
    return { items, next_cursor: encodeCursor(startKey) };
  }

  /**
   * QUEUED runs of an organization, oldest first (the by-status index): the order in which runs
   * waiting for an execution slot are started.
   */
  async listQueuedOldestFirst(orgId: string, limit: number): Promise<RunRecord[]> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'by-status',
        KeyConditionExpression: 'status_key = :k',
        ExpressionAttributeValues: { ':k': statusKey(orgId, 'QUEUED') },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).filter((item) => isRunItem(item) && item.org_id === orgId && item.status === 'QUEUED').map(toRun);
  }

  /**
   * One page of the runs of a shard of the `active` index (QUEUED or RUNNING, every org) created
   * before `createdBefore` (ISO), oldest first: the reconciler's sweep. Eventually consistent:
   * the sweep re-reads each run strongly before acting on it.
   */
  async listActive(
    shard: string,
    createdBefore: string,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: RunRecord[]; next: Record<string, unknown> | undefined }> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'active',
        KeyConditionExpression: '#s = :s AND #c < :c',
        ExpressionAttributeNames: { '#s': 'active_shard', '#c': 'created_sort' },
        ExpressionAttributeValues: { ':s': shard, ':c': createdBefore },
        ScanIndexForward: true,
        Limit: limit,
        ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return { items: (out.Items ?? []).filter(isRunItem).map(toRun), next: out.LastEvaluatedKey };
  }

  private async query(input: QueryCommandInput) {
    try {
      return await this.ddb.send(new QueryCommand(input));
    } catch (error) {
      // A cursor from another list (or forged) is rejected by DynamoDB: the caller sent a bad cursor.
      if (input.ExclusiveStartKey !== undefined && error instanceof Error && error.name === 'ValidationException') {
        throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
      }
      throw error;
    }
  }

  /**
   * Moves a run from one of `from` to `to`, only if it is still in one of `from` (conditional
   * write). Sets started_at on RUNNING, completed_at on a terminal status, keeps status_key (the
   * by-status index) in step, records previous_status, and applies `fields`. Returns whether this
   * writer won: a late or duplicate writer gets false and changes nothing. Throws only for a
   * transition the lifecycle never allows (a bug, e.g. CANCELLED→SUCCEEDED).
   */
  async transitionRun(orgId: string, runId: string, from: RunStatus[], to: RunStatus, fields?: RunFieldUpdates): Promise<boolean> {
    return (await this.transitionRunDetailed(orgId, runId, from, to, fields)).won;
  }

  /**
   * transitionRun, returning the run after the change (won) or as it is now (lost). With
   * `extraPuts` (e.g. the audit record) the change and the puts are one TransactWriteItems.
   */
  async transitionRunDetailed(
    orgId: string,
    runId: string,
    from: RunStatus[],
    to: RunStatus,
    fields?: RunFieldUpdates,
    options: { extraPuts?: TransactPut[] } = {},
  ): Promise<RunTransition> {
    if (from.length === 0) throw new Error('transitionRun needs at least one from status');
    for (const f of from) {
      if (!RUN_TRANSITIONS[f].includes(to)) throw new Error(`run transition ${f} → ${to} is not allowed`);
    }
    const now = isoNow(this.clock);
    const b = new UpdateBuilder();
    const statusName = b.name('status');
    b.setExpr(`${b.name('previous_status')} = ${statusName}`);
    b.setExpr(`${statusName} = ${b.value(to)}`);
    b.set('status_key', statusKey(orgId, to));
    b.set('updated_at', now);
    if (to === 'RUNNING') b.setExpr(`${b.name('started_at')} = if_not_exists(${b.name('started_at')}, ${b.value(now)})`);
    if (isTerminalRunStatus(to)) {
      b.set('completed_at', now);
      // Out of the reconciler's sweep once terminal (sparse index).
      b.remove('active_shard');
    }
    applyFields(b, fields);
    const conditions = ['attribute_exists(run_slug)', b.inList('status', from)];
    const extraPuts = options.extraPuts ?? [];
    if (extraPuts.length === 0) return this.conditionalUpdate(orgId, runId, b, conditions);
    if (runId === '' || runId.includes('#')) return { won: false, current: null };
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { pk: runPk(orgId, runId) },
                UpdateExpression: b.expression(),
                ConditionExpression: conditions.join(' AND '),
                ExpressionAttributeNames: b.names,
                ExpressionAttributeValues: b.values,
              },
            },
            ...extraPuts,
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || error.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed') throw error;
      return { won: false, current: await this.get(orgId, runId, { consistent: true }) };
    }
    const run = await this.get(orgId, runId, { consistent: true });
    if (run === null) throw new Error(`run ${runId} vanished after its transition`);
    return { won: true, run };
  }

  /**
   * Stores the backend id (the executionArn) once: true when stored, false when the run already
   * has one (or does not exist). Any status: a fast run may finish before its starter stores it.
   */
  async setExternalId(orgId: string, runId: string, externalId: string): Promise<boolean> {
    return this.updateRun(orgId, runId, { external_id: externalId }, { fields: { external_id: null } });
  }

  /**
   * The generic conditional update of orchestration fields (never the status: use transitionRun).
   * `set` values of null remove the attribute; `add` increments numbers atomically; `guard` adds
   * conditions (status in a list, fields equal to values). Returns whether the write happened.
   */
  async updateRun(
    orgId: string,
    runId: string,
    set: RunFieldUpdates,
    guard?: RunUpdateGuard,
    add?: Partial<Record<NumericRunField, number>>,
  ): Promise<boolean> {
    return (await this.updateRunDetailed(orgId, runId, set, guard, add)).won;
  }

  /** updateRun, returning the run after the change (won) or as it is now (lost). */
  async updateRunDetailed(
    orgId: string,
    runId: string,
    set: RunFieldUpdates,
    guard?: RunUpdateGuard,
    add?: Partial<Record<NumericRunField, number>>,
  ): Promise<RunTransition> {
    const b = new UpdateBuilder();
    b.set('updated_at', isoNow(this.clock));
    applyFields(b, set);
    for (const [field, by] of Object.entries(add ?? {})) {
      if (by !== undefined) b.add(field, by);
    }
    return this.conditionalUpdate(orgId, runId, b, guardConditions(b, guard));
  }

  /**
   * Parks the advance loop's token (step-functions executor): wait_token and loop_iteration set,
   * on the condition that the run is RUNNING, and the run's change set (the task names that
   * completions registered since the last park, markTasksChanged) taken and emptied in the same
   * write. `previous_token` is the token the last park left (null: none), so the caller can tell
   * whether any other park happened since one of its own.
   */
  async parkLoop(orgId: string, runId: string, token: string, iteration: number): Promise<LoopPark> {
    const now = isoNow(this.clock);
    // The whole item before the write: the change set it held, and the run (whose other fields the park does not touch).
    const old = await this.updateIfRunning(
      orgId,
      runId,
      'SET wait_token = :token, loop_iteration = :iteration, updated_at = :now ADD park_seq :one REMOVE changed_tasks',
      { ':token': token, ':iteration': iteration, ':now': now, ':one': 1 },
      'ALL_OLD',
    );
    if (old === null) return { won: false, current: await this.get(orgId, runId, { consistent: true }) };
    return {
      won: true,
      run: toRun({ ...old, wait_token: token, loop_iteration: iteration, updated_at: now }),
      previous_token: typeof old.wait_token === 'string' ? old.wait_token : null,
      changed: old.changed_tasks instanceof Set ? [...(old.changed_tasks as Set<string>)] : [],
    };
  }

  /**
   * Parks the loop's token without taking the change set (an iteration woken by a sole completion
   * that leaves several tasks running: the set stays for the next park). False when the run is not
   * RUNNING.
   */
  async parkLoopKeepingChanges(orgId: string, runId: string, token: string, iteration: number): Promise<boolean> {
    const after = await this.updateIfRunning(
      orgId,
      runId,
      'SET wait_token = :token, loop_iteration = :iteration, updated_at = :now ADD park_seq :one',
      { ':token': token, ':iteration': iteration, ':now': isoNow(this.clock), ':one': 1 },
      'ALL_OLD',
    );
    return after !== null;
  }

  /**
   * Registers task runs' changes (completions recorded outside the loop's iteration) in the run's
   * change set, for the next park to take, and answers the run as the write found it (its parked
   * token: the write changes no field of the answer) with `wakes`: whether this caller is the first
   * since the park to take the waking of the loop upon itself. The park is `park_seq` (every park
   * counts one more, across retried iterations and continuing executions alike; 0 for a park made
   * before parks were counted), and the write sets `woken_seq` to it. Every later caller leaves the
   * waking to the first: its change is in the set the next park takes. The loop registering a
   * change of its own (`waking: false`) takes nothing. null when the run is not RUNNING (nothing
   * to wake).
   */
  async markTasksChanged(orgId: string, runId: string, taskNames: readonly string[], options: { waking?: boolean } = {}): Promise<{ run: RunRecord; wakes: boolean; park: number } | null> {
    if (taskNames.length === 0) throw new Error('markTasksChanged: no task named');
    const waking = options.waking ?? true;
    const old = await this.updateIfRunning(
      orgId,
      runId,
      waking ? 'ADD changed_tasks :names SET woken_seq = if_not_exists(park_seq, :uncounted)' : 'ADD changed_tasks :names',
      { ':names': new Set(taskNames), ...(waking ? { ':uncounted': 0 } : {}) },
      'ALL_OLD',
    );
    if (old === null) return null;
    const run = toRun(old);
    const park = typeof old.park_seq === 'number' ? old.park_seq : 0;
    const woken = typeof old.woken_seq === 'number' ? old.woken_seq : null;
    return { run, wakes: waking && run.wait_token !== null && woken !== park, park };
  }

  /**
   * Gives the waking of the loop's park `park` back (the waker could not redeem its token): the
   * next completion takes it. False when the loop parked again meanwhile.
   */
  unmarkWoken(orgId: string, runId: string, park: number): Promise<boolean> {
    return this.updateIf(orgId, runId, {
      UpdateExpression: 'REMOVE woken_seq',
      ConditionExpression: `woken_seq = :park AND ${park === 0 ? '(attribute_not_exists(park_seq) OR park_seq = :park)' : 'park_seq = :park'}`,
      ExpressionAttributeValues: { ':park': park },
    });
  }

  /** One conditional UpdateItem of the run: true when it applied, false when its condition failed. */
  private async updateIf(
    orgId: string,
    runId: string,
    update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.ddb.send(new UpdateCommand({ TableName: this.table, Key: { pk: runPk(orgId, runId) }, ...update }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** One UpdateItem on the condition that the run exists and is RUNNING: the item as asked, or null when it is not. */
  private async updateIfRunning(
    orgId: string,
    runId: string,
    expression: string,
    values: Record<string, unknown>,
    returnValues: 'ALL_OLD' | 'ALL_NEW',
  ): Promise<Record<string, unknown> | null> {
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(orgId, runId) },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(run_slug) AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':running': 'RUNNING' },
          ReturnValues: returnValues,
        }),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /**
   * Claims a RUNNING run for the one invocation that runs its whole DAG (executor lambda): a
   * duplicate invocation loses and runs nothing.
   */
  claimDagRunner(orgId: string, runId: string, owner: string): Promise<boolean> {
    return this.updateIf(orgId, runId, {
      UpdateExpression: 'SET dag_runner = :owner',
      ConditionExpression: 'attribute_exists(pk) AND #status = :running AND attribute_not_exists(dag_runner)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':running': 'RUNNING', ':owner': owner },
    });
  }

  private async conditionalUpdate(orgId: string, runId: string, b: UpdateBuilder, conditions: string[]): Promise<RunTransition> {
    if (runId === '' || runId.includes('#')) return { won: false, current: null };
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(orgId, runId) },
          UpdateExpression: b.expression(),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: b.names,
          ExpressionAttributeValues: b.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { won: true, run: toRun(out.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Lost: report the run as it is now (a strongly consistent read, only on this path).
      return { won: false, current: await this.get(orgId, runId, { consistent: true }) };
    }
  }
}
