// Builders for the scheduling integration tests: schedules written through the repository, an
// evaluator on the test platform's tables with a run starter that records every call.
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Platform } from '../../../local/platform';
import type { Clock } from '../../../lambdas/shared/clock';
import { ScheduleEvaluator, type DeploymentState, type EvaluatorOptions, type SkippedSlots } from '../../../lambdas/scheduling/evaluator';
import type { ScheduleRecord } from '../../../lambdas/scheduling/schedule-record';
import { ScheduleRepository, toScheduleItem } from '../../../lambdas/scheduling/schedule-repository';
import type { TriggerRunRequest, TriggeredRun } from '../../../lambdas/scheduling/run-trigger';
import { epochToUtcIso } from '../../../lambdas/scheduling/slots';
import { initialSlot } from '../../../lambdas/scheduling/schedule-timing';

export function documentClient(platform: Platform): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(platform.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
}

export function scheduleRepository(platform: Platform): ScheduleRepository {
  return new ScheduleRepository(documentClient(platform), platform.resources.tables.Schedule);
}

export const epoch = (iso: string): number => Date.parse(iso) / 1000;
export const utc = epochToUtcIso;

/** A schedule record (hourly UTC cron unless overridden), its first slot computed from `nowEpoch`. */
export function scheduleRecord(org: string, id: string, nowEpoch: number, over: Partial<ScheduleRecord> = {}): ScheduleRecord {
  const base: ScheduleRecord = {
    org_id: org,
    schedule_id: id,
    flow_name: 'etl',
    flow_version: '1.0.0',
    deployment_name: null,
    mode: 'cron',
    enabled: true,
    cron_expression: '0 * * * *',
    interval_seconds: null,
    timezone: 'UTC',
    catchup_policy: 'none',
    parameters: {},
    start_at: null,
    end_at: null,
    next_run_epoch: null,
    next_run_at: null,
    last_triggered_at: null,
    last_slot_at: null,
    last_skipped_at: null,
    last_skipped_slot_at: null,
    last_skip_reason: null,
    last_error: null,
    last_error_at: null,
    managed_by: null,
    created_at: utc(nowEpoch),
    updated_at: utc(nowEpoch),
    version: 1,
  };
  const record = { ...base, ...over };
  if (!('next_run_epoch' in over)) Object.assign(record, initialSlot(record, nowEpoch));
  return record;
}

/** Writes schedules as the repository lays them out (BatchWriteItem, 25 per request). */
export async function putSchedules(platform: Platform, records: ScheduleRecord[]): Promise<void> {
  const ddb = documentClient(platform);
  const table = platform.resources.tables.Schedule;
  const batches: ScheduleRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
  await Promise.all(
    batches.map(async (batch) => {
      let pending = batch.map((r) => ({ PutRequest: { Item: toScheduleItem(r) } }));
      while (pending.length > 0) {
        const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }),
  );
}

/** A run starter that records calls and is idempotent by key, like the real one. */
export class RecordingStarter {
  readonly calls: Array<TriggerRunRequest & { at_ms: number }> = [];
  readonly byKey = new Map<string, number>();
  failWith: ((request: TriggerRunRequest) => Error | undefined) | undefined;

  constructor(private readonly clock: Clock) {}

  start = async (request: TriggerRunRequest): Promise<TriggeredRun> => {
    const failure = this.failWith?.(request);
    if (failure !== undefined) throw failure;
    this.calls.push({ ...request, at_ms: this.clock.nowMs() });
    const seen = this.byKey.get(request.idempotency_key) ?? 0;
    this.byKey.set(request.idempotency_key, seen + 1);
    return { run: { run_id: request.idempotency_key, run_slug: 'slug', status: 'QUEUED' }, created: seen === 0 };
  };

  /** Slot times (UTC ISO) of the calls for one schedule, in call order. */
  slotsOf(scheduleId: string): string[] {
    return this.calls.filter((c) => c.trigger.id === scheduleId).map((c) => c.trigger.slot ?? '');
  }
}

export interface TestEvaluator {
  evaluator: ScheduleEvaluator;
  skipped: SkippedSlots[];
}

export function testEvaluator(
  platform: Platform,
  starter: RecordingStarter,
  clock: Clock,
  options: Partial<EvaluatorOptions> = {},
  deploymentState: (org: string, name: string) => DeploymentState = () => 'ACTIVE',
): TestEvaluator {
  const skipped: SkippedSlots[] = [];
  const logs: string[] = [];
  const evaluator = new ScheduleEvaluator(
    {
      repo: scheduleRepository(platform),
      startRun: starter.start,
      deploymentState: async (org, name) => deploymentState(org, name),
      recordSkipped: async (s) => {
        skipped.push(s);
      },
      clock,
      logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) },
    },
    options,
  );
  return { evaluator, skipped };
}

/** Disables every schedule of an organization (so later ticks of other tests leave them alone). */
export async function parkSchedules(platform: Platform, org: string): Promise<void> {
  const repo = scheduleRepository(platform);
  const ddb = documentClient(platform);
  const { transact } = await import('../../../lambdas/shared/dynamo/transact');
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await repo.list(org, { limit: 100, exclusiveStartKey: cursor });
    for (const s of page.items) {
      if (s.enabled) await transact(ddb, [repo.replace({ ...s, enabled: false, version: s.version + 1 }, s.version)]);
    }
    cursor = page.next_cursor === null ? undefined : (JSON.parse(Buffer.from(page.next_cursor, 'base64url').toString()) as Record<string, unknown>);
  } while (cursor !== undefined);
}
