import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { TaskStatus } from '../engine';
import { isTerminalTaskStatus } from '../engine';
import { isoNow, type Clock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor, startKeyWithin } from '../shared/http/pagination';
import { queryAll } from '../shared/dynamo/query-all';
import type { RunningCheck } from './run-repository';
import type { Cost, TaskRunCostInput } from '../usage/cost-model';

// The TaskRun table (see lambdas/catalogue/tables.ts): pk = org_id#run_id, sk = task_name. One
// partition per run, so "all task runs of a run" is one Query. This module is the only code that
// knows these keys.

/** A task run as the rest of the code sees it (seed fields + Dagy's additions, no key attributes). */
export interface TaskRunRecord {
  org_id: string;
  run_id: string;
  /** Stable id of (run_id, task_name): see taskRunId(). */
  task_run_id: string;
  task_name: string;
  status: TaskStatus;
  /** The status before the last transition (null for a task run never transitioned). */
  previous_status: TaskStatus | null;
  /** Attempts started so far (0 while never started; a retry keeps it and the next start adds 1). */
  attempt: number;
  /** Where the current/last attempt ran (e.g. lambda, ecs, step-functions). */
  executor: string | null;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  /** Object key of the task's output in the artifacts bucket (run-objects.ts outputKey). */
  output_ref: string | null;
  /**
   * The output's JSON text when it is small enough to live in this item (task-runner/run-object-store.ts):
   * then no object exists under output_ref. Internal: the API never shows it.
   */
  output_json: string | null;
  /** The task's log text (all attempts) when small enough to live in this item; else in logs.txt. Internal. */
  log_text: string | null;
  /** A PENDING task waiting for a retry must not start before this ISO time. */
  not_before: string | null;
  /** The run whose output this task run reuses (retried runs keep succeeded tasks' outputs). */
  reused_from_run_id: string | null;
  /** Modelled AWS cost of the task run: written with its terminal transition when the writer
   * priced it (TerminalPrice), else when its run ended (execution/run-cost.ts). */
  cost: Cost | null;
  created_at: string;
  updated_at: string;
}

/** A task run to create: PENDING (the default), or SUCCEEDED with the output of an earlier run. */
export interface NewTaskRun {
  task_name: string;
  status?: 'PENDING' | 'SUCCEEDED';
  output_ref?: string | null;
  output_json?: string | null;
  log_text?: string | null;
  reused_from_run_id?: string | null;
  /** Copied from the earlier run for a reused SUCCEEDED task (shown as is). */
  attempt?: number;
  executor?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

/** The allowed task run status changes (RUNNING→PENDING is a retry). Nothing leaves a terminal status. */
export const TASK_RUN_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  PENDING: ['RUNNING', 'SKIPPED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'PENDING'],
  SUCCEEDED: [],
  FAILED: [],
  SKIPPED: [],
};

export type TaskRunTransition =
  | { won: true; taskRun: TaskRunRecord }
  /** `current` is the task run as it is now (null when it does not exist). */
  | { won: false; current: TaskRunRecord | null };

/** Optional guards of a transition, beyond the from-status. */
export interface TaskRunGuard {
  /** The task run's attempt must equal this: a late result of an earlier attempt loses. */
  attempt?: number;
}

/**
 * Prices a terminal transition in the same write: `before` is the task run as the writer last
 * wrote or read it, `of` the cost model (execution/run-cost.ts). The cost is computed from the
 * record as this transition leaves it, at the completed_at it writes. A `before` that is not the
 * task run's latest state only prices it wrongly, never loses it: the run's ledger recomputes
 * every cost from the records when the run ends and rewrites a cost that differs.
 */
export interface TerminalPrice {
  before: TaskRunRecord;
  of: (after: TaskRunCostInput) => Cost;
}

/** Fields a transition may set (null removes). */
export interface TaskRunFieldUpdates {
  executor?: string | null;
  error_message?: string | null;
  output_ref?: string | null;
  output_json?: string | null;
  log_text?: string | null;
  not_before?: string | null;
  cost?: Cost | null;
  /** The attempt a runner claimed (claimAttempt; startClaimedDetailed). */
  claimed_attempt?: number;
}

/**
 * How a transition moves a task run beyond its status and fields: a start counts the attempt and
 * sets started_at; `via` makes it two transitions in one write (PENDING via RUNNING to SUCCEEDED:
 * an attempt reported already over, as an ECS container's report can hold), each allowed by the
 * lifecycle; `price` prices a terminal one (TerminalPrice).
 */
interface TransitionShape {
  incrementAttempt?: boolean;
  setStartedAt?: boolean;
  /** The start's time when it is not the write's (an attempt started before its start was written). */
  startedAt?: string;
  via?: TaskStatus;
  price?: TerminalPrice;
}

/** The fields a transition writes, its cost among them when it is priced (from `before` as `via` leaves it). */
function pricedFields(to: TaskStatus, fields: TaskRunFieldUpdates, shape: TransitionShape, now: string): TaskRunFieldUpdates {
  if (shape.price === undefined || !isTerminalTaskStatus(to)) return fields;
  const before = shape.via === undefined ? shape.price.before : transitionedFrom(shape.price.before, shape.via, {}, shape, now);
  return { ...fields, cost: shape.price.of(recordAfter(before, to, fields, now)) };
}

/**
 * The cost model's view of a task run after a terminal transition from `before` (the fields the
 * transition sets replace, null removes; completed_at is the transition's time).
 */
function recordAfter(before: TaskRunRecord, to: TaskStatus, fields: TaskRunFieldUpdates, now: string): TaskRunCostInput {
  const after = <K extends 'executor' | 'output_json' | 'log_text'>(key: K): string | null => {
    const value = fields[key];
    return value === undefined ? before[key] : value;
  };
  return {
    status: to,
    attempt: before.attempt,
    executor: after('executor'),
    started_at: before.started_at,
    completed_at: now,
    reused_from_run_id: before.reused_from_run_id,
    output_json: after('output_json'),
    log_text: after('log_text'),
  };
}

/**
 * A task run as a transition from `before` to `to` leaves it at `now` (transitionUpdate's effect):
 * the fields it sets replace (null removes), a start counts the attempt and sets started_at, a
 * terminal status sets completed_at.
 */
function transitionedFrom(before: TaskRunRecord, to: TaskStatus, fields: TaskRunFieldUpdates, extra: TransitionShape, now: string): TaskRunRecord {
  const { claimed_attempt: _claimed, ...shown } = fields;
  const set = Object.fromEntries(Object.entries(shown).filter(([, value]) => value !== undefined)) as Partial<TaskRunRecord>;
  return {
    ...before,
    ...set,
    status: to,
    previous_status: extra.via ?? before.status,
    attempt: extra.incrementAttempt ? before.attempt + 1 : before.attempt,
    ...(extra.setStartedAt ? { started_at: extra.startedAt ?? now } : {}),
    ...(isTerminalTaskStatus(to) ? { completed_at: now } : {}),
    updated_at: now,
  };
}

/** A task run as a start from `before` leaves it (PENDING → RUNNING at the next attempt), at `now`. */
export function startedFrom(before: TaskRunRecord, executor: string, now: string): TaskRunRecord {
  return transitionedFrom(before, 'RUNNING', { executor, not_before: null, error_message: null }, { incrementAttempt: true, setStartedAt: true }, now);
}

/** Stable, unique id of a task run: sha-256 of run_id and task name, 24 hex chars with a prefix. */
export function taskRunId(runId: string, taskName: string): string {
  return `tr_${createHash('sha256').update(`${runId}\u0000${taskName}`).digest('hex').slice(0, 24)}`;
}

const taskPk = (orgId: string, runId: string) => `${orgId}#${runId}`;
const BATCH_SIZE = 25;
/** BatchGetItem's limit of keys per request. */
const BATCH_GET_SIZE = 100;
/** Items per TransactWriteItems. */
const TRANSACT_LIMIT = 100;
/** One conditional update of a TransactWriteItems. */
type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;
/** Rounds of a batch of transitions whose transaction other writers keep cancelling, before each goes alone. */
const MAX_TRANSACTION_ROUNDS = 3;
const MAX_BATCH_ROUNDS = 8;

function toTaskRun(item: Record<string, unknown>): TaskRunRecord {
  const s = (k: string): string | null => (typeof item[k] === 'string' ? (item[k] as string) : null);
  return {
    org_id: item.org_id as string,
    run_id: item.run_id as string,
    task_run_id: item.task_run_id as string,
    task_name: item.task_name as string,
    status: item.status as TaskStatus,
    previous_status: s('previous_status') as TaskStatus | null,
    attempt: typeof item.attempt === 'number' ? item.attempt : 0,
    executor: s('executor'),
    started_at: s('started_at'),
    completed_at: s('completed_at'),
    error_message: s('error_message'),
    output_ref: s('output_ref'),
    output_json: s('output_json'),
    log_text: s('log_text'),
    not_before: s('not_before'),
    reused_from_run_id: s('reused_from_run_id'),
    cost: typeof item.cost === 'object' && item.cost !== null ? (item.cost as Cost) : null,
    created_at: item.created_at as string,
    updated_at: s('updated_at') ?? (item.created_at as string),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface TaskRunRepositoryOptions {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/**
 * Task runs in DynamoDB. Every status change is conditional on the status the writer expects
 * (and optionally the attempt); a lost race returns false, never throws.
 */
export class TaskRunRepository {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: Clock;

  constructor(options: TaskRunRepositoryOptions) {
    this.ddb = options.ddb;
    this.table = options.tableName;
    this.clock = options.clock;
  }

  /**
   * Writes the task runs of a new run with BatchWriteItem (25 per request, unprocessed items
   * retried). Idempotent for the same input (same keys, same ids), but it overwrites: call it only
   * before the run's execution starts. To complete a partially created set, use createMissing.
   */
  async createMany(orgId: string, runId: string, tasks: NewTaskRun[]): Promise<TaskRunRecord[]> {
    const now = isoNow(this.clock);
    const records: TaskRunRecord[] = tasks.map((t) => ({
      org_id: orgId,
      run_id: runId,
      task_run_id: taskRunId(runId, t.task_name),
      task_name: t.task_name,
      status: t.status ?? 'PENDING',
      previous_status: null,
      attempt: t.attempt ?? 0,
      executor: t.executor ?? null,
      started_at: t.started_at ?? null,
      completed_at: t.completed_at ?? null,
      error_message: null,
      output_ref: t.output_ref ?? null,
      output_json: t.output_json ?? null,
      log_text: t.log_text ?? null,
      not_before: null,
      reused_from_run_id: t.reused_from_run_id ?? null,
      cost: null,
      created_at: now,
      updated_at: now,
    }));
    const requests = records.map((r) => ({ PutRequest: { Item: { pk: taskPk(orgId, runId), ...r } } }));
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      let pending: typeof requests = requests.slice(i, i + BATCH_SIZE);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_BATCH_ROUNDS) throw new Error(`task runs of run ${runId}: ${pending.length} writes left unprocessed`);
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const out = await this.ddb.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
      }
    }
    return records;
  }

  /** Creates only the task runs that do not exist yet (resuming an interrupted start). */
  async createMissing(orgId: string, runId: string, tasks: NewTaskRun[]): Promise<TaskRunRecord[]> {
    const existing = new Set((await this.listForRun(orgId, runId, { consistent: true })).map((t) => t.task_name));
    const missing = tasks.filter((t) => !existing.has(t.task_name));
    return missing.length === 0 ? [] : this.createMany(orgId, runId, missing);
  }

  async get(orgId: string, runId: string, taskName: string, options: { consistent?: boolean } = {}): Promise<TaskRunRecord | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { pk: taskPk(orgId, runId), task_name: taskName }, ConsistentRead: options.consistent ?? false }),
    );
    return out.Item === undefined ? null : toTaskRun(out.Item);
  }

  /**
   * Some task runs of a run, by name (BatchGetItem, 100 keys a request, unprocessed keys retried);
   * a name with no task run is left out.
   */
  async getMany(orgId: string, runId: string, taskNames: readonly string[], options: { consistent?: boolean } = {}): Promise<TaskRunRecord[]> {
    const found: TaskRunRecord[] = [];
    const names = [...new Set(taskNames)];
    for (let i = 0; i < names.length; i += BATCH_GET_SIZE) {
      let keys: Array<Record<string, unknown>> = names.slice(i, i + BATCH_GET_SIZE).map((task_name) => ({ pk: taskPk(orgId, runId), task_name }));
      for (let round = 0; keys.length > 0; round++) {
        if (round >= MAX_BATCH_ROUNDS) throw new Error(`task runs of run ${runId}: ${keys.length} reads left unprocessed`);
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const out = await this.ddb.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: options.consistent ?? false } } }));
        found.push(...(out.Responses?.[this.table] ?? []).map(toTaskRun));
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return found;
  }

  /** Every task run of a run, by task name (all pages). */
  async listForRun(orgId: string, runId: string, options: { consistent?: boolean } = {}): Promise<TaskRunRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': taskPk(orgId, runId) },
      ConsistentRead: options.consistent ?? false,
    });
    return items.map(toTaskRun);
  }

  /** One page of a run's task runs, by task name. */
  async listPage(orgId: string, runId: string, page: PageRequest): Promise<Page<TaskRunRecord>> {
    const input: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': taskPk(orgId, runId) },
      Limit: page.limit,
      ExclusiveStartKey: startKeyWithin(page, 'pk', taskPk(orgId, runId)),
    };
    try {
      const out = await this.ddb.send(new QueryCommand(input));
      return { items: (out.Items ?? []).map(toTaskRun), next_cursor: encodeCursor(out.LastEvaluatedKey) };
    } catch (error) {
      if (page.exclusiveStartKey !== undefined && error instanceof Error && error.name === 'ValidationException') {
        throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
      }
      throw error;
    }
  }

  /** A task run by its task_run_id (one Query over the run's partition, filtered). */
  async findById(orgId: string, runId: string, id: string): Promise<TaskRunRecord | null> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'task_run_id = :id',
          ExpressionAttributeValues: { ':pk': taskPk(orgId, runId), ':id': id },
          ExclusiveStartKey: startKey,
        }),
      );
      const found = out.Items?.[0];
      if (found !== undefined) return toTaskRun(found);
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return null;
  }

  /**
   * Moves a task run from one of `from` to `to` if it is still there (and at `guard.attempt`).
   * Sets completed_at on a terminal status and records previous_status. Returns whether this
   * writer won. Throws only for a transition the lifecycle never allows (a bug).
   */
  async transition(
    orgId: string,
    runId: string,
    taskName: string,
    from: TaskStatus[],
    to: TaskStatus,
    fields: TaskRunFieldUpdates = {},
    guard: TaskRunGuard = {},
  ): Promise<boolean> {
    return (await this.transitionDetailed(orgId, runId, taskName, from, to, fields, guard)).won;
  }

  /** transition(), returning the task run after the change (won) or as it is now (lost). */
  async transitionDetailed(
    orgId: string,
    runId: string,
    taskName: string,
    from: TaskStatus[],
    to: TaskStatus,
    fields: TaskRunFieldUpdates = {},
    guard: TaskRunGuard = {},
    extra: TransitionShape = {},
  ): Promise<TaskRunTransition> {
    const now = isoNow(this.clock);
    const update = this.transitionUpdate(orgId, runId, taskName, from, to, pricedFields(to, fields, extra, now), guard, extra, now);
    try {
      // On a lost condition DynamoDB returns the item as it was checked: no read after it.
      const out = await this.ddb.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
      return { won: true, taskRun: toTaskRun(out.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // No item with the error: the task run does not exist (or the store did not say); read it.
      if (error.Item !== undefined) return { won: false, current: toTaskRun(unmarshall(error.Item)) };
      return { won: false, current: await this.get(orgId, runId, taskName, { consistent: true }) };
    }
  }

  /** The conditional UpdateItem of a transition (see transitionDetailed). */
  private transitionUpdate(
    orgId: string,
    runId: string,
    taskName: string,
    from: TaskStatus[],
    to: TaskStatus,
    fields: TaskRunFieldUpdates,
    guard: TaskRunGuard,
    extra: TransitionShape,
    now: string,
  ) {
    if (from.length === 0) throw new Error('a task run transition needs at least one from status');
    const allowed = (a: TaskStatus, b: TaskStatus) => TASK_RUN_TRANSITIONS[a].includes(b);
    for (const f of from) {
      const ok = extra.via === undefined ? allowed(f, to) : allowed(f, extra.via) && allowed(extra.via, to);
      if (!ok) throw new Error(`task run transition ${f} → ${extra.via === undefined ? '' : `${extra.via} → `}${to} is not allowed`);
    }
    const names: Record<string, string> = { '#status': 'status', '#prev': 'previous_status' };
    const values: Record<string, unknown> = { ':to': to, ':now': now };
    // Two transitions in one write leave the middle status as the previous one.
    if (extra.via !== undefined) values[':via'] = extra.via;
    const sets = [extra.via === undefined ? '#prev = #status' : '#prev = :via', '#status = :to', 'updated_at = :now'];
    const removes: string[] = [];
    if (isTerminalTaskStatus(to)) sets.push('completed_at = :now');
    if (extra.setStartedAt && extra.startedAt !== undefined) {
      values[':started'] = extra.startedAt;
      sets.push('started_at = :started');
    } else if (extra.setStartedAt) sets.push('started_at = :now');
    if (extra.incrementAttempt) {
      values[':one'] = 1;
      values[':zero'] = 0;
      sets.push('attempt = if_not_exists(attempt, :zero) + :one');
    }
    Object.entries(fields).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      if (value === null) removes.push(`#f${i}`);
      else {
        values[`:f${i}`] = value;
        sets.push(`#f${i} = :f${i}`);
      }
    });
    const fromPh = from.map((f, i) => {
      values[`:from${i}`] = f;
      return `:from${i}`;
    });
    const conditions = ['attribute_exists(pk)', `#status IN (${fromPh.join(', ')})`];
    if (guard.attempt !== undefined) {
      values[':attempt'] = guard.attempt;
      conditions.push('attempt = :attempt');
    }
    return {
      TableName: this.table,
      Key: { pk: taskPk(orgId, runId), task_name: taskName },
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /**
   * Claims one attempt of a RUNNING task run for the runner about to run it, before any code runs:
   * the first claim wins; a duplicate delivery, or a stale one (the attempt was retried, settled or
   * declared lost meanwhile), loses and must do nothing. So an attempt's code runs at most once.
   */
  async claimAttempt(orgId: string, runId: string, taskName: string, attempt: number): Promise<boolean> {
    return (await this.claimAttemptDetailed(orgId, runId, taskName, attempt)) !== null;
  }

  /** claimAttempt(), returning the claimed task run (null when the claim lost). */
  async claimAttemptDetailed(orgId: string, runId: string, taskName: string, attempt: number): Promise<TaskRunRecord | null> {
    try {
      const out = await this.ddb.send(new UpdateCommand({ ...this.claimUpdate(orgId, runId, taskName, attempt), ReturnValues: 'ALL_NEW' }));
      return toTaskRun(out.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /**
   * Claims several attempts of one run together (a task-runner invocation given a batch of them):
   * one TransactWriteItems per 100 with each claim's condition. `started` is each task run as the
   * loop's start left it (RUNNING at the attempt to claim): the transaction proves status and
   * attempt, so the claimed records are derived from it. When a claim fails the transaction is
   * cancelled: that claim lost (null), and the others are tried alone (claimAttemptDetailed).
   */
  async claimManyDetailed(orgId: string, runId: string, started: readonly TaskRunRecord[]): Promise<Array<TaskRunRecord | null>> {
    const claimed: Array<TaskRunRecord | null> = [];
    for (let i = 0; i < started.length; i += TRANSACT_LIMIT) {
      const chunk = started.slice(i, i + TRANSACT_LIMIT);
      if (chunk.length === 1) {
        claimed.push(await this.claimAttemptDetailed(orgId, runId, chunk[0]!.task_name, chunk[0]!.attempt));
        continue;
      }
      const outcome = await this.transact(chunk.map((t) => this.claimUpdate(orgId, runId, t.task_name, t.attempt)));
      if (outcome === 'applied') {
        for (const t of chunk) claimed.push({ ...t, status: 'RUNNING' });
        continue;
      }
      // A lost claim is final; the others are claimed again, each on its own.
      for (const [n, t] of chunk.entries()) claimed.push(outcome[n]!.kind === 'lost' ? null : await this.claimAttemptDetailed(orgId, runId, t.task_name, t.attempt));
    }
    return claimed;
  }

  /** The conditional write of a claim (see claimAttempt). */
  private claimUpdate(orgId: string, runId: string, taskName: string, attempt: number) {
    return {
      TableName: this.table,
      Key: { pk: taskPk(orgId, runId), task_name: taskName },
      UpdateExpression: 'SET claimed_attempt = :attempt',
      ConditionExpression: 'attribute_exists(pk) AND #status = :running AND attempt = :attempt AND (attribute_not_exists(claimed_attempt) OR claimed_attempt < :attempt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':running': 'RUNNING', ':attempt': attempt },
    };
  }

  /** One conditional UpdateItem of a task run: true when it applied, false when its condition failed. */
  private async updateIf(
    orgId: string,
    runId: string,
    taskName: string,
    update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.ddb.send(new UpdateCommand({ TableName: this.table, Key: { pk: taskPk(orgId, runId), task_name: taskName }, ...update }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // The named transitions: each plain method answers whether it won (boolean); its *Detailed twin
  // also returns the task run after the change (won) or as it is now (lost).

  /** PENDING → RUNNING: attempt + 1, started_at = now, executor set, not_before and the last error cleared. */
  async start(orgId: string, runId: string, taskName: string, opts: StartOptions): Promise<boolean> {
    return (await this.startDetailed(orgId, runId, taskName, opts)).won;
  }
  startDetailed(orgId: string, runId: string, taskName: string, opts: StartOptions, claimed: { claimed_attempt?: number } = {}): Promise<TaskRunTransition> {
    return this.transitionDetailed(
      orgId,
      runId,
      taskName,
      ['PENDING'],
      'RUNNING',
      { executor: opts.executor, not_before: null, error_message: null, ...claimed },
      guardOf(opts.attempt),
      { incrementAttempt: true, setStartedAt: true, ...(opts.started_at !== undefined ? { startedAt: opts.started_at } : {}) },
    );
  }

  /**
   * The runner's start of an attempt the loop dispatched without starting it (a sole dispatch,
   * dispatchAll in orchestrator/advance.ts): PENDING at `attempt - 1` → RUNNING at `attempt`,
   * claimed in the same write. Only one delivery of the attempt can win it, as only one can win
   * claimAttempt.
   */
  startClaimedDetailed(orgId: string, runId: string, taskName: string, opts: { executor: string; attempt: number }): Promise<TaskRunTransition> {
    return this.startDetailed(orgId, runId, taskName, { executor: opts.executor, attempt: opts.attempt - 1 }, { claimed_attempt: opts.attempt });
  }

  /**
   * Starts several task runs (PENDING → RUNNING, each guarded by the attempt of `before`, the task
   * run as the caller last saw it) together (transitionMany): an advance that dispatches a fan-out
   * pays one round trip, not one per task. A start given `succeeded` is an attempt already over
   * (an ECS container's report of it, a whole-DAG runner's short attempt): it is started and
   * recorded SUCCEEDED in the same write, its started_at the attempt's own (`started_at`) when given.
   */
  startManyDetailed(
    orgId: string,
    runId: string,
    starts: Array<{ before: TaskRunRecord; executor: string; succeeded?: Omit<SucceedOptions, 'attempt'>; started_at?: string }>,
  ): Promise<TaskRunTransition[]> {
    return this.transitionMany(
      orgId,
      runId,
      starts.map(({ before, executor, succeeded, started_at }) => {
        const start = { executor, not_before: null, error_message: null };
        const counted = { incrementAttempt: true, setStartedAt: true, ...(started_at !== undefined ? { startedAt: started_at } : {}) };
        if (succeeded === undefined) {
          return { before, from: 'PENDING', to: 'RUNNING', fields: start, extra: counted, alone: () => this.startDetailed(orgId, runId, before.task_name, { executor, attempt: before.attempt, started_at }) };
        }
        const fields = { ...start, output_ref: succeeded.output_ref, output_json: succeeded.output_json, log_text: succeeded.log_text };
        const extra = { ...counted, via: 'RUNNING' as const, ...priceOf(succeeded) };
        return {
          before,
          from: 'PENDING',
          to: 'SUCCEEDED',
          fields,
          extra,
          alone: () => this.transitionDetailed(orgId, runId, before.task_name, ['PENDING'], 'SUCCEEDED', fields, guardOf(before.attempt), extra),
        };
      }),
    );
  }

  /**
   * Records several successes (RUNNING at the attempt of `before` → SUCCEEDED, with each one's
   * output, log and price as succeedDetailed takes them) together (transitionMany): an ECS
   * container's report of a fan-out ends a hundred task runs in one round trip.
   */
  succeedManyDetailed(orgId: string, runId: string, successes: Array<{ before: TaskRunRecord; result: Omit<SucceedOptions, 'attempt'> }>): Promise<TaskRunTransition[]> {
    return this.transitionMany(
      orgId,
      runId,
      successes.map(({ before, result }) => ({
        before,
        from: 'RUNNING',
        to: 'SUCCEEDED',
        fields: { output_ref: result.output_ref, output_json: result.output_json, log_text: result.log_text },
        extra: priceOf(result),
        alone: () => this.succeedDetailed(orgId, runId, before.task_name, { ...result, attempt: before.attempt }),
      })),
    );
  }

  /**
   * Several transitions of one run's task runs, each from `before` (the task run as the caller last
   * saw it: its status and attempt are the guard), in one TransactWriteItems per 100. The records
   * after them are derived from `before` (a transition changes only the fields it sets; the
   * transaction's conditions proved status and attempt). When conditions fail the transaction is
   * cancelled; its reasons say which (`transact`): those lost, answered with the item as
   * the check found it, and the others are sent again together. Only a transition the reasons say
   * nothing certain about is tried on its own (`alone`), so the answers are the single-item
   * methods'. One transition alone is sent alone.
   */
  private async transitionMany(
    orgId: string,
    runId: string,
    items: Array<{
      before: TaskRunRecord;
      from: TaskStatus;
      to: TaskStatus;
      fields: TaskRunFieldUpdates;
      extra: TransitionShape;
      alone: () => Promise<TaskRunTransition>;
    }>,
  ): Promise<TaskRunTransition[]> {
    const results = new Array<TaskRunTransition>(items.length);
    for (let i = 0; i < items.length; i += TRANSACT_LIMIT) {
      // Indexes still to send; each round sends them together and keeps those the reasons clear.
      let open = items.slice(i, i + TRANSACT_LIMIT).map((_, k) => i + k);
      for (let round = 0; open.length > 0; round++) {
        if (open.length === 1 || round >= MAX_TRANSACTION_ROUNDS) {
          for (const k of open) results[k] = await items[k]!.alone();
          break;
        }
        const now = isoNow(this.clock);
        const writes = open.map((k) => {
          const { before, to, fields, extra } = items[k]!;
          return { before, to, fields: pricedFields(to, fields, extra, now), extra };
        });
        const outcome = await this.transact(
          open.map((k, n) => {
            const { before, from, to, extra } = items[k]!;
            return this.transitionUpdate(orgId, runId, before.task_name, [from], to, writes[n]!.fields, { attempt: before.attempt }, extra, now);
          }),
        );
        if (outcome === 'applied') {
          open.forEach((k, n) => {
            const { before, to, fields, extra } = writes[n]!;
            results[k] = { won: true, taskRun: transitionedFrom(before, to, fields, extra, now) };
          });
          break;
        }
        const again: number[] = [];
        for (const [n, k] of open.entries()) {
          const reason = outcome[n];
          if (reason?.kind === 'lost' && reason.item !== undefined) results[k] = { won: false, current: toTaskRun(reason.item) };
          else if (reason?.kind === 'clear') again.push(k);
          else results[k] = await items[k]!.alone();
        }
        open = again;
      }
    }
    return results;
  }

  /**
   * Sends one TransactWriteItems of conditional updates (then `checks` of other items), each update
   * returning the item as its check found it when the check fails: 'applied', or per update (then
   * per check) what the cancellation says: lost (its condition failed, with the item), clear (its
   * condition held: another one cancelled the transaction), or unknown (a conflict, a throttle:
   * try it again on its own).
   */
  private async transact(
    updates: TransactUpdate[],
    checks: readonly RunningCheck[] = [],
  ): Promise<'applied' | Array<{ kind: 'lost'; item?: Record<string, unknown> } | { kind: 'clear' } | { kind: 'unknown' }>> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [...updates.map((update) => ({ Update: { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } })), ...checks],
        }),
      );
      return 'applied';
    } catch (error) {
      if (!(error instanceof Error) || (error.name !== 'TransactionCanceledException' && error.name !== 'TransactionConflictException')) throw error;
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string; Item?: Record<string, AttributeValue> }> }).CancellationReasons;
      if (reasons === undefined || reasons.length !== updates.length + checks.length) return [...updates, ...checks].map(() => ({ kind: 'unknown' as const }));
      return reasons.map((reason) => {
        if (reason.Code === 'ConditionalCheckFailed') return { kind: 'lost' as const, ...(reason.Item !== undefined ? { item: unmarshall(reason.Item) } : {}) };
        if (reason.Code === 'None') return { kind: 'clear' as const };
        return { kind: 'unknown' as const };
      });
    }
  }

  /**
   * Writes a runner's grouped transitions (task-runner/grouped-writes.ts) in one transaction with `checks`
   * (the run still RUNNING): each a start (PENDING at `before.attempt` → RUNNING at the next
   * attempt, claimed, started at its own time), a success (RUNNING at `before.attempt` →
   * SUCCEEDED at its own time), or both in one update (started and ended since the last write).
   * Answers the records each write leaves (its events: a start's, a success's, or both), for the
   * writes applied in order. When the transaction is cancelled by the run's check, nothing is
   * written; otherwise the writes go alone, in order, up to the first whose condition fails
   * (`complete` false: the runner must stop there).
   */
  async writeGrouped(orgId: string, runId: string, writes: readonly GroupedWrite[], checks: readonly RunningCheck[]): Promise<{ written: TaskRunRecord[][]; complete: boolean }> {
    const plans = writes.map((w) => groupedWritePlan(w));
    if (plans.length === 0) return { written: [], complete: true };
    const updates = plans.map((p) => this.transitionUpdate(orgId, runId, p.before.task_name, [p.from], p.to, p.fields, { attempt: p.before.attempt }, p.extra, p.now));
    const outcome = plans.length > TRANSACT_LIMIT - checks.length ? null : await this.transact(updates, checks);
    if (outcome === 'applied') return { written: plans.map((p) => p.records), complete: true };
    if (outcome !== null && outcome.slice(plans.length).some((reason) => reason.kind === 'lost')) return { written: [], complete: false };
    const written: TaskRunRecord[][] = [];
    for (const [n, plan] of plans.entries()) {
      try {
        await this.ddb.send(new UpdateCommand(updates[n]!));
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return { written, complete: false };
        throw error;
      }
      written.push(plan.records);
    }
    return { written, complete: true };
  }

  /** RUNNING → SUCCEEDED with the output's object key (pass `attempt` so a stale attempt loses). */
  async succeed(orgId: string, runId: string, taskName: string, opts: SucceedOptions): Promise<boolean> {
    return (await this.succeedDetailed(orgId, runId, taskName, opts)).won;
  }
  succeedDetailed(orgId: string, runId: string, taskName: string, opts: SucceedOptions): Promise<TaskRunTransition> {
    return this.transitionDetailed(orgId, runId, taskName, ['RUNNING'], 'SUCCEEDED', { output_ref: opts.output_ref, output_json: opts.output_json, log_text: opts.log_text }, guardOf(opts.attempt), priceOf(opts));
  }

  /**
   * Sets the log text of a task run still at this attempt: for an attempt whose result lost its
   * transition (the run was cancelled meanwhile, or the attempt declared lost), whose small log
   * would otherwise be lost with it. null removes an earlier attempt's inline text, whose log
   * grew into the object. A task run at another attempt keeps its log.
   */
  async recordLog(orgId: string, runId: string, taskName: string, attempt: number, logText: string | null): Promise<boolean> {
    return this.updateIf(orgId, runId, taskName, {
      UpdateExpression: logText === null ? 'REMOVE log_text' : 'SET log_text = :log',
      ConditionExpression: 'attribute_exists(pk) AND attempt = :attempt',
      ExpressionAttributeValues: { ':attempt': attempt, ...(logText === null ? {} : { ':log': logText }) },
    });
  }

  /** RUNNING → FAILED with the error. */
  async fail(orgId: string, runId: string, taskName: string, opts: FailOptions): Promise<boolean> {
    return (await this.failDetailed(orgId, runId, taskName, opts)).won;
  }
  failDetailed(orgId: string, runId: string, taskName: string, opts: FailOptions): Promise<TaskRunTransition> {
    return this.transitionDetailed(orgId, runId, taskName, ['RUNNING'], 'FAILED', { error_message: opts.error_message, log_text: opts.log_text }, guardOf(opts.attempt), priceOf(opts));
  }

  /** RUNNING → PENDING for a retry: keeps attempt, records the error, sets not_before (ISO). */
  async scheduleRetry(orgId: string, runId: string, taskName: string, opts: RetryOptions): Promise<boolean> {
    return (await this.scheduleRetryDetailed(orgId, runId, taskName, opts)).won;
  }
  scheduleRetryDetailed(orgId: string, runId: string, taskName: string, opts: RetryOptions): Promise<TaskRunTransition> {
    return this.transitionDetailed(
      orgId,
      runId,
      taskName,
      ['RUNNING'],
      'PENDING',
      { not_before: opts.not_before, error_message: opts.error_message, log_text: opts.log_text },
      guardOf(opts.attempt),
    );
  }

  /**
   * Stores terminal task runs' costs, each conditional on the task run still being terminal with
   * the completed_at its cost was computed from (a cost never describes another attempt; the same
   * cost written twice, by a retried finalize, is harmless). Up to 100 per TransactWriteItems, so a
   * run's ledger costs one request per 100 task runs; when a condition fails, each is written on
   * its own. Returns the task names whose cost was not written (the task run changed).
   */
  async recordCosts(orgId: string, runId: string, entries: Array<{ task_name: string; cost: Cost; completed_at: string | null }>): Promise<string[]> {
    const update = (e: { task_name: string; cost: Cost; completed_at: string | null }) => {
      const values: Record<string, unknown> = { ':cost': e.cost, ':s': 'SUCCEEDED', ':f': 'FAILED', ':k': 'SKIPPED' };
      let condition = 'attribute_exists(pk) AND #status IN (:s, :f, :k)';
      if (e.completed_at === null) condition += ' AND attribute_not_exists(completed_at)';
      else {
        values[':completed'] = e.completed_at;
        condition += ' AND completed_at = :completed';
      }
      return {
        TableName: this.table,
        Key: { pk: taskPk(orgId, runId), task_name: e.task_name },
        UpdateExpression: 'SET #cost = :cost',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#cost': 'cost', '#status': 'status' },
        ExpressionAttributeValues: values,
      };
    };
    const missed: string[] = [];
    for (let i = 0; i < entries.length; i += TRANSACT_LIMIT) {
      const chunk = entries.slice(i, i + TRANSACT_LIMIT);
      try {
        await this.ddb.send(new TransactWriteCommand({ TransactItems: chunk.map((e) => ({ Update: update(e) })) }));
        continue;
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
      }
      for (const e of chunk) {
        try {
          await this.ddb.send(new UpdateCommand(update(e)));
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          missed.push(e.task_name);
        }
      }
    }
    return missed;
  }

  /** PENDING → SKIPPED with the reason in error_message. */
  async skip(orgId: string, runId: string, taskName: string, opts: SkipOptions): Promise<boolean> {
    return (await this.skipDetailed(orgId, runId, taskName, opts)).won;
  }
  skipDetailed(orgId: string, runId: string, taskName: string, opts: SkipOptions): Promise<TaskRunTransition> {
    return this.transitionDetailed(orgId, runId, taskName, ['PENDING'], 'SKIPPED', { error_message: opts.reason, not_before: null }, {}, priceOf(opts));
  }
}

export interface StartOptions {
  executor: string;
  /** Guard: the attempt the task run is at before this start (0 for the first). */
  attempt?: number;
  /** When the attempt started, if before this write (a whole-DAG runner writes a start late). */
  started_at?: string;
}
/**
 * What an ended attempt leaves in the item with its transition (task-runner/run-object-store.ts):
 * the output and log text small enough to live there. undefined leaves the field as it is, null
 * removes it (the text went to an object instead).
 */
interface InlineResults extends Priced {
  log_text?: string | null;
}
interface Priced {
  /** Writes the task run's cost with this terminal transition (TerminalPrice). */
  price?: TerminalPrice;
}
export interface SucceedOptions extends InlineResults {
  output_ref: string | null;
  output_json?: string | null;
  /** Guard: the attempt this result belongs to. */
  attempt?: number;
}
export interface FailOptions extends InlineResults {
  error_message: string;
  attempt?: number;
}
export interface RetryOptions extends InlineResults {
  not_before: string;
  error_message: string;
  attempt?: number;
}
export interface SkipOptions extends Priced {
  reason: string;
}

/** One task run's transitions a runner made since its last grouped write (TaskRunRepository.writeGrouped). */
export interface GroupedWrite {
  /** The task run as stored: PENDING when `start` is given, else RUNNING at the attempt. */
  before: TaskRunRecord;
  start?: { executor: string; started_at: string };
  success?: Omit<SucceedOptions, 'attempt'> & { at: string };
}

/** The conditional update of a GroupedWrite and the records it leaves (its events, in order). */
function groupedWritePlan(w: GroupedWrite): { before: TaskRunRecord; from: TaskStatus; to: TaskStatus; fields: TaskRunFieldUpdates; extra: TransitionShape; now: string; records: TaskRunRecord[] } {
  const { before, start, success } = w;
  const startFields: TaskRunFieldUpdates = start === undefined ? {} : { executor: start.executor, not_before: null, error_message: null, claimed_attempt: before.attempt + 1 };
  const startExtra: TransitionShape = start === undefined ? {} : { incrementAttempt: true, setStartedAt: true, startedAt: start.started_at };
  const started = start === undefined ? [] : [transitionedFrom(before, 'RUNNING', startFields, startExtra, start.started_at)];
  if (success === undefined) {
    if (start === undefined) throw new Error('a chain write needs a start or a success');
    return { before, from: 'PENDING', to: 'RUNNING', fields: startFields, extra: startExtra, now: start.started_at, records: started };
  }
  // A success priced from its started record: one also started here is priced from the stored one, via RUNNING.
  const price = success.price === undefined ? undefined : start === undefined ? success.price : { ...success.price, before };
  const extra: TransitionShape = { ...startExtra, ...(start === undefined ? {} : { via: 'RUNNING' as const }), ...(price === undefined ? {} : { price }) };
  const fields = pricedFields('SUCCEEDED', { ...startFields, output_ref: success.output_ref, output_json: success.output_json, log_text: success.log_text }, extra, success.at);
  return { before, from: start === undefined ? 'RUNNING' : 'PENDING', to: 'SUCCEEDED', fields, extra, now: success.at, records: [...started, transitionedFrom(before, 'SUCCEEDED', fields, extra, success.at)] };
}

function guardOf(attempt: number | undefined): TaskRunGuard {
  return attempt === undefined ? {} : { attempt };
}

function priceOf(opts: Priced): { price?: TerminalPrice } {
  return opts.price === undefined ? {} : { price: opts.price };
}
