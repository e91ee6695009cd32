import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../shared/clock';
import { isoNow } from '../shared/clock';
import { queryAll } from '../shared/dynamo/query-all';
import { forEachBounded } from '../shared/bounded';
import { isConditionalCheckFailed, type TransactItem } from '../shared/dynamo/transact';
import { ValidationError, errorText } from '../shared/errors';
import { decodeCursor, encodeCursor, type Page } from '../shared/http/pagination';
import { METRIC_NAME } from './metrics';
import { daysOf, periodOf } from './period';

// The UsageEvent and UsageAggregate tables (see lambdas/catalogue/tables.ts). This module is the
// only code that knows their keys:
//   UsageEvent      pk = org_id#YYYY-MM-DD, sk = event_time#event_id (TTL expires_at_epoch)
//   UsageAggregate  org_id, sk = YYYY-MM#metric, `value` kept with ADD

export const USAGE_EVENT_TYPES = ['run_started', 'run_finished', 'task_attempt', 'artifact_stored'] as const;
export type UsageEventType = (typeof USAGE_EVENT_TYPES)[number];

/** A usage event: what one thing consumed, counted once into its period's aggregates. */
export interface UsageEventRecord {
  org_id: string;
  /** Deterministic for the thing metered (e.g. run_finished:<run_id>): a second delivery is a no-op. */
  event_id: string;
  /** When it happened (from the metered record, not the delivery): with event_id, the event's key. */
  event_time: string;
  period: string;
  event_type: UsageEventType;
  resource_type: 'run' | 'task_run' | 'flow';
  resource_id: string;
  /** Amounts added to the period's aggregates, by metric. */
  metrics: Record<string, number>;
  /** Descriptive attributes (run_id, flow_name, executor, status…). */
  attributes: Record<string, string | number | null>;
}

/**
 * What recording one event of a batch came to: counted by this call; a duplicate (counted before,
 * or twice in the batch); or not settled (its message must be received again).
 */
export type RecordOutcome = { status: 'counted' } | { status: 'duplicate' } | { status: 'retry'; reason: string };
type ClaimResult = { status: 'claimed' } | Exclude<RecordOutcome, { status: 'counted' }>;

/** A period's aggregates, by metric. */
export type UsageTotals = Record<string, number>;

/** Usage events are kept about 13 months (TTL), long enough for a yearly look back. */
export const USAGE_EVENT_TTL_SECONDS = 400 * 86_400;
const MAX_TX_ATTEMPTS = 8;

const eventPk = (orgId: string, day: string) => `${orgId}#${day}`;
const eventKey = (event: Pick<UsageEventRecord, 'org_id' | 'event_time' | 'event_id'>) => ({
  pk: eventPk(event.org_id, event.event_time.slice(0, 10)),
  sk: `${event.event_time}#${event.event_id}`,
});
/** A claimed event still unapplied after this long lost its writer (functions time out in 30 s). */
const RECOVER_AFTER_MS = 120_000;
const aggregateSk = (period: string, metric: string) => `${period}#${metric}`;
const eventKeyString = (event: UsageEventRecord) => {
  const key = eventKey(event);
  return `${key.pk}\n${key.sk}`;
};
const nonZeroMetrics = (event: UsageEventRecord) => Object.entries(event.metrics).filter(([, amount]) => amount !== 0);
/** DynamoDB's limit of items in one transaction. */
const MAX_TX_ITEMS = 100;
/** Claims (single-item Puts) of one batch in flight at once. */
const CLAIMS_IN_FLIGHT = 16;
/** Transactions of one batch (one or more per organization) in flight at once. */
const APPLIES_IN_FLIGHT = 4;

function toEvent(item: Record<string, unknown>): UsageEventRecord {
  return {
    org_id: item.org_id as string,
    event_id: item.event_id as string,
    event_time: item.event_time as string,
    period: item.period as string,
    event_type: item.event_type as UsageEventType,
    resource_type: item.resource_type as UsageEventRecord['resource_type'],
    resource_id: item.resource_id as string,
    metrics: (item.metrics ?? {}) as Record<string, number>,
    attributes: (item.attributes ?? {}) as Record<string, string | number | null>,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function cancellationCodes(error: unknown): string[] | null {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return null;
  return ((error as Error & { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

function isRetryable(error: unknown): boolean {
  const codes = cancellationCodes(error);
  if (codes !== null) return codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError');
  return error instanceof Error && (error.name === 'TransactionConflictException' || error.name === 'TransactionInProgressException');
}

export interface UsageRepositoryOptions {
  ddb: DynamoDBDocumentClient;
  /** UsageEvent table (writers and event readers). */
  eventsTable?: string;
  aggregatesTable: string;
  clock: Clock;
}

/** Usage events and per-period aggregates. */
export class UsageRepository {
  constructor(private readonly options: UsageRepositoryOptions) {}

  private get eventsTable(): string {
    if (this.options.eventsTable === undefined) throw new Error('UsageRepository: no UsageEvent table given');
    return this.options.eventsTable;
  }

  private eventItem(event: UsageEventRecord, applied: boolean): Record<string, unknown> {
    for (const metric of Object.keys(event.metrics)) {
      if (!METRIC_NAME.test(metric)) throw new Error(`usage metric name ${JSON.stringify(metric)} is not valid`);
    }
    if (event.period !== periodOf(event.event_time)) throw new Error(`usage event ${event.event_id}: period ${event.period} does not match ${event.event_time}`);
    const expires = Math.floor(Date.parse(event.event_time) / 1000) + USAGE_EVENT_TTL_SECONDS;
    return { ...eventKey(event), ...event, applied, recorded_at: isoNow(this.options.clock), expires_at_epoch: expires };
  }

  /** One ADD per (period, metric) the events touch: their amounts summed, `events` the number of them. */
  private aggregateAdds(events: readonly UsageEventRecord[]): TransactItem[] {
    const now = isoNow(this.options.clock);
    const sums = new Map<string, { period: string; metric: string; picos: number; events: number }>();
    for (const event of events) {
      for (const [metric, amount] of nonZeroMetrics(event)) {
        const sk = aggregateSk(event.period, metric);
        const sum = sums.get(sk) ?? { period: event.period, metric, picos: 0, events: 0 };
        // Summed in integer pico-units (amounts are seconds to the millisecond, dollars to the
        // pico-dollar): the total is the same whatever the batch, as DynamoDB's decimal ADD keeps it.
        sum.picos += Math.round(amount * 1e12);
        sum.events += 1;
        sums.set(sk, sum);
      }
    }
    return [...sums.entries()].map(([sk, sum]) => ({
      Update: {
        TableName: this.options.aggregatesTable,
        Key: { org_id: events[0]!.org_id, sk },
        UpdateExpression: 'ADD #value :amount, #events :count SET #period = :period, #metric = :metric, updated_at = :now',
        ExpressionAttributeNames: { '#value': 'value', '#events': 'events', '#period': 'period', '#metric': 'metric' },
        ExpressionAttributeValues: { ':amount': sum.picos / 1e12, ':count': sum.events, ':period': sum.period, ':metric': sum.metric, ':now': now },
      },
    }));
  }

  /**
   * The writes that record an event inside a caller's transaction (e.g. a flow version's
   * registration, which happens once): its Put, on the condition that no event has its key, and
   * one ADD per metric on the period's aggregates.
   */
  transactItems(event: UsageEventRecord): TransactItem[] {
    const put: TransactItem = { Put: { TableName: this.eventsTable, Item: this.eventItem(event, true), ConditionExpression: 'attribute_not_exists(pk)' } };
    return [put, ...this.aggregateAdds([event])];
  }

  /**
   * Records an event once, whatever the deliveries: true when this call counted it (one event of
   * `recordBatch`).
   */
  async record(event: UsageEventRecord): Promise<boolean> {
    const [outcome] = await this.recordBatch([event]);
    return outcome!.status === 'counted';
  }

  /**
   * Records a batch of events, each once whatever the deliveries; one outcome per event, in order.
   * Two steps:
   * 1. each event is claimed with a conditional Put (applied = false): of concurrent deliveries
   *    exactly one wins (a single-item condition; DynamoDB Local does not isolate concurrent
   *    transactions as DynamoDB does, so the claim is not left to one);
   * 2. per organization, one transaction flips the claimed events applied (each on the condition
   *    that it is still false) and ADDs their summed metrics to the period's aggregates: the
   *    counters move once for each event, or not at all.
   * An event claimed by another delivery but not yet applied is `retry`: its message comes back
   * after the queue's visibility timeout and finds it applied, or, if that delivery died between
   * the steps, claimed long ago: then it applies it (step 2's condition still lets only one through).
   */
  async recordBatch(events: readonly UsageEventRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = events.map(() => ({ status: 'retry', reason: 'not recorded' }));
    const firstOfKey = new Map<string, number>();
    const unique: number[] = [];
    events.forEach((event, i) => {
      const key = eventKeyString(event);
      if (firstOfKey.has(key)) outcomes[i] = { status: 'duplicate' };
      else {
        firstOfKey.set(key, i);
        unique.push(i);
      }
    });

    const claimed: number[] = [];
    await forEachBounded(unique, CLAIMS_IN_FLIGHT, async (i) => {
      const claim = await this.claim(events[i]!).catch((error: unknown): ClaimResult => ({ status: 'retry', reason: errorText(error) }));
      if (claim.status === 'claimed') claimed.push(i);
      else outcomes[i] = claim;
    });

    const byOrg = new Map<string, number[]>();
    for (const i of claimed.sort((a, b) => a - b)) {
      const org = events[i]!.org_id;
      const indexes = byOrg.get(org);
      if (indexes === undefined) byOrg.set(org, [i]);
      else indexes.push(i);
    }
    const chunks = [...byOrg.values()].flatMap((indexes) => this.chunksOf(events, indexes));
    await forEachBounded(chunks, APPLIES_IN_FLIGHT, async (chunk) => {
      for (const [i, outcome] of await this.apply(events, chunk)) outcomes[i] = outcome;
    });
    return outcomes;
  }

  /** Step 1 for one event: `claimed` when this call may apply it. */
  private async claim(event: UsageEventRecord): Promise<ClaimResult> {
    let item: Record<string, unknown>;
    try {
      item = this.eventItem(event, false);
    } catch (error) {
      return { status: 'retry', reason: errorText(error) };
    }
    try {
      await this.options.ddb.send(new PutCommand({ TableName: this.eventsTable, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return { status: 'claimed' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const existing = await this.options.ddb.send(new GetCommand({ TableName: this.eventsTable, Key: eventKey(event), ConsistentRead: true }));
    const found = existing.Item;
    if (found === undefined) return { status: 'retry', reason: 'claim not found after a failed claim' };
    if (found.applied !== false) return { status: 'duplicate' };
    const age = this.options.clock.nowMs() - Date.parse(String(found.recorded_at));
    return age > RECOVER_AFTER_MS ? { status: 'claimed' } : { status: 'retry', reason: 'claimed by another delivery, not applied yet' };
  }

  /**
   * The claimed events of one organization in transactions of at most MAX_TX_ITEMS items: one flip
   * per event plus one ADD per (period, metric) they touch.
   */
  private chunksOf(events: readonly UsageEventRecord[], indexes: number[]): number[][] {
    const chunks: number[][] = [];
    let current: number[] = [];
    let aggregates = new Set<string>();
    for (const i of indexes) {
      const touched = nonZeroMetrics(events[i]!).map(([metric]) => aggregateSk(events[i]!.period, metric));
      const merged = new Set([...aggregates, ...touched]);
      if (current.length > 0 && current.length + 1 + merged.size > MAX_TX_ITEMS) {
        chunks.push(current);
        current = [];
        aggregates = new Set(touched);
      } else aggregates = merged;
      current.push(i);
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  /** Step 2 for one chunk: flips and summed ADDs in one transaction, retried on conflicts. */
  private async apply(events: readonly UsageEventRecord[], chunk: number[]): Promise<Array<[number, RecordOutcome]>> {
    const done: Array<[number, RecordOutcome]> = [];
    let live = [...chunk];
    for (let attempt = 1; live.length > 0; ) {
      const flips: TransactItem[] = live.map((i) => ({
        Update: {
          TableName: this.eventsTable,
          Key: eventKey(events[i]!),
          UpdateExpression: 'SET applied = :true',
          ConditionExpression: 'applied = :false',
          ExpressionAttributeValues: { ':true': true, ':false': false },
        },
      }));
      try {
        await this.options.ddb.send(new TransactWriteCommand({ TransactItems: [...flips, ...this.aggregateAdds(live.map((i) => events[i]!))] }));
        return [...done, ...live.map((i): [number, RecordOutcome] => [i, { status: 'counted' }])];
      } catch (error) {
        const codes = cancellationCodes(error);
        // Events applied meanwhile by another delivery (a recovery race): drop them and go again.
        const applied = codes === null ? [] : live.filter((_, k) => codes[k] === 'ConditionalCheckFailed');
        if (applied.length > 0) {
          done.push(...applied.map((i): [number, RecordOutcome] => [i, { status: 'duplicate' }]));
          live = live.filter((i) => !applied.includes(i));
          continue;
        }
        if (!isRetryable(error) || attempt >= MAX_TX_ATTEMPTS) {
          const reason = errorText(error);
          return [...done, ...live.map((i): [number, RecordOutcome] => [i, { status: 'retry', reason }])];
        }
        await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
        attempt++;
      }
    }
    return done;
  }

  /** A period's aggregates, by metric (one Query of the organization's partition). */
  async totals(orgId: string, period: string): Promise<UsageTotals> {
    const items = await queryAll(this.options.ddb, {
      TableName: this.options.aggregatesTable,
      KeyConditionExpression: 'org_id = :org AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':org': orgId, ':prefix': `${period}#` },
      ConsistentRead: true,
    });
    const totals: UsageTotals = {};
    for (const item of items) totals[item.metric as string] = Number(item.value ?? 0);
    return totals;
  }

  /** One metric of a period (0 when nothing was counted). */
  async total(orgId: string, period: string, metric: string): Promise<number> {
    const out = await this.options.ddb.send(
      new GetCommand({ TableName: this.options.aggregatesTable, Key: { org_id: orgId, sk: aggregateSk(period, metric) }, ConsistentRead: true }),
    );
    return out.Item === undefined ? 0 : Number(out.Item.value ?? 0);
  }

  /**
   * A page of a period's events, oldest first. Events live in one partition per day: a page reads
   * the days in order from the cursor's, up to `limit` events, and stops at today.
   */
  async listEvents(orgId: string, period: string, page: { limit: number; cursor: string | undefined }): Promise<Page<UsageEventRecord>> {
    const days = daysOf(period);
    const today = new Date(this.options.clock.nowMs()).toISOString().slice(0, 10);
    let dayIndex = 0;
    let startKey: Record<string, unknown> | undefined;
    const cursor = decodeCursor(page.cursor);
    if (cursor !== undefined) {
      const invalid = () => new ValidationError([{ path: 'cursor', message: 'invalid cursor for this period' }]);
      dayIndex = typeof cursor.day === 'string' ? days.indexOf(cursor.day) : -1;
      if (dayIndex < 0) throw invalid();
      if (cursor.key !== undefined) {
        const key = cursor.key as Record<string, unknown>;
        // The key must name this organization's partition of that day: never another tenant's.
        if (typeof key !== 'object' || key === null || key.pk !== eventPk(orgId, days[dayIndex]!) || typeof key.sk !== 'string') throw invalid();
        startKey = { pk: key.pk, sk: key.sk };
      }
    }
    const items: UsageEventRecord[] = [];
    while (dayIndex < days.length && days[dayIndex]! <= today) {
      const day = days[dayIndex]!;
      const out = await this.options.ddb.send(
        new QueryCommand({
          TableName: this.eventsTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': eventPk(orgId, day) },
          Limit: page.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []).map(toEvent));
      if (out.LastEvaluatedKey !== undefined) {
        if (items.length >= page.limit) return { items, next_cursor: encodeCursor({ day, key: out.LastEvaluatedKey }) };
        startKey = out.LastEvaluatedKey;
        continue;
      }
      dayIndex++;
      startKey = undefined;
      if (items.length >= page.limit) {
        const more = dayIndex < days.length && days[dayIndex]! <= today;
        return { items, next_cursor: more ? encodeCursor({ day: days[dayIndex] }) : null };
      }
    }
    return { items, next_cursor: null };
  }
}
