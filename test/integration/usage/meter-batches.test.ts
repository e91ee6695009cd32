// The usage meter's batches on DynamoDB Local, through the function as its queue invokes it:
// a batch's events are claimed one by one and applied in one transaction per organization
// (usage-repository.ts, recordBatch). Whatever the batches and their overlaps, each event is
// counted once, the aggregates are the sum of the events, and a record that did not settle is
// answered as a failure (SQS hands it out again) rather than lost.
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Platform } from '../../../local/platform';
import { systemClock } from '../../../lambdas/shared/clock';
import { UsageRepository, type UsageEventRecord } from '../../../lambdas/usage/usage-repository';
import { startTestPlatform } from '../../support/platform';

let platform: Platform;
let ddb: DynamoDBDocumentClient;
let repo: UsageRepository;
beforeAll(async () => {
  platform = await startTestPlatform();
  ddb = DynamoDBDocumentClient.from(platform.dynamodb);
  repo = new UsageRepository({ ddb, eventsTable: platform.resources.tables.UsageEvent, aggregatesTable: platform.resources.tables.UsageAggregate, clock: systemClock });
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

const PERIOD = '2025-04';
let messages = 0;
interface Batch {
  Records: Array<{ messageId: string; body: string }>;
}
const record = (body: string) => ({ messageId: `msg-${messages++}`, body });

/** A "Task Run Status Changed" bus event: attempt `attempt` of `taskRunId` ended after `ms`. */
function attemptEnded(org: string, taskRunId: string, ms: number, attempt = 1) {
  const started = Date.parse(`${PERIOD}-10T12:00:00.000Z`);
  return {
    version: '0',
    id: randomUUID(),
    source: 'dagy.execution',
    'detail-type': 'Task Run Status Changed',
    detail: {
      org_id: org,
      run_id: 'run-1',
      task_run_id: taskRunId,
      task_name: 't',
      executor: 'lambda',
      attempt,
      status: 'SUCCEEDED',
      previous_status: 'RUNNING',
      started_at: new Date(started).toISOString(),
      completed_at: new Date(started + ms).toISOString(),
      occurred_at: new Date(started + ms).toISOString(),
    },
  };
}

const meter = async (batch: Batch) => (await platform.invoke('usage-meter', batch)) as { batchItemFailures: Array<{ itemIdentifier: string }> };
const totals = (org: string) => repo.totals(org, PERIOD);
async function aggregate(org: string, metric: string): Promise<{ value: number; events: number } | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: platform.resources.tables.UsageAggregate, Key: { org_id: org, sk: `${PERIOD}#${metric}` }, ConsistentRead: true }));
  return out.Item === undefined ? undefined : { value: Number(out.Item.value), events: Number(out.Item.events) };
}
async function eventsOf(org: string): Promise<Array<Record<string, unknown>>> {
  const out = await ddb.send(new QueryCommand({ TableName: platform.resources.tables.UsageEvent, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `${org}#${PERIOD}-10` }, ConsistentRead: true }));
  return out.Items ?? [];
}

test('a batch of 150 events of one organization (two transactions) and one of another: each counted once, sums exact', async () => {
  const org = `org-${randomUUID()}`;
  const other = `org-${randomUUID()}`;
  const ms = Array.from({ length: 150 }, (_, i) => 1 + ((i * 37) % 1000));
  const bodies = ms.map((m, i) => JSON.stringify(attemptEnded(org, `tr-${i}`, m)));
  const notJson = record('{not json');
  const notBusEvent = record(JSON.stringify({ hello: 'world' }));
  // Not metered: a task run that started (RUNNING), not one whose attempt ended.
  const started = attemptEnded(org, 'tr-started', 5);
  started.detail.status = 'RUNNING';
  started.detail.previous_status = 'PENDING';
  const batch: Batch = { Records: [...bodies.map(record), record(JSON.stringify(attemptEnded(other, 'tr-x', 250))), notJson, notBusEvent, record(JSON.stringify(started))] };

  const answer = await meter(batch);
  // What is not a bus event is answered as failed (to end in the dead letters), nothing else.
  expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([notJson.messageId, notBusEvent.messageId].sort());
  const seconds = ms.reduce((a, m) => a + m, 0) / 1000;
  expect(await aggregate(org, 'task_attempts.lambda')).toEqual({ value: 150, events: 150 });
  const taskSeconds = await aggregate(org, 'task_seconds.lambda');
  expect(taskSeconds!.value).toBeCloseTo(seconds, 9);
  expect(taskSeconds!.events).toBe(150);
  expect(await totals(other)).toEqual({ 'task_attempts.lambda': 1, 'task_seconds.lambda': 0.25 });
  const items = await eventsOf(org);
  expect(items).toHaveLength(150);
  expect(items.every((i) => i.applied === true)).toBe(true);

  // The whole batch again (SQS delivers at least once): every record settles, nothing moves.
  const again = await meter({ Records: batch.Records.filter((r) => r !== notJson && r !== notBusEvent) });
  expect(again.batchItemFailures).toEqual([]);
  expect(await aggregate(org, 'task_attempts.lambda')).toEqual({ value: 150, events: 150 });
  expect((await aggregate(org, 'task_seconds.lambda'))!.value).toBeCloseTo(seconds, 9);
}, 60_000);

test('overlapping batches at once: each event counted once; what another batch was still applying comes back and then settles', async () => {
  const org = `org-${randomUUID()}`;
  const events = Array.from({ length: 20 }, (_, i) => JSON.stringify(attemptEnded(org, `tr-${i}`, 100)));
  // Five batches of the same 20 events (plus a twin inside each), all at once.
  const batches: Batch[] = Array.from({ length: 5 }, () => ({ Records: [...events, events[0]!].map(record) }));
  const answers = await Promise.all(batches.map(meter));
  expect(await aggregate(org, 'task_attempts.lambda')).toEqual({ value: 20, events: 20 });
  // The failed records are those whose event another batch had claimed and not yet applied:
  // received again, they find it applied.
  const failed = new Set(answers.flatMap((a) => a.batchItemFailures.map((f) => f.itemIdentifier)));
  const redelivered = batches.flatMap((b) => b.Records).filter((r) => failed.has(r.messageId));
  if (redelivered.length > 0) expect((await meter({ Records: redelivered })).batchItemFailures).toEqual([]);
  expect(await aggregate(org, 'task_attempts.lambda')).toEqual({ value: 20, events: 20 });
  expect((await aggregate(org, 'task_seconds.lambda'))!.value).toBeCloseTo(2, 9);
}, 60_000);

test('an event claimed but never applied: answered for a later receive while young, applied once its claimer is presumed dead', async () => {
  const org = `org-${randomUUID()}`;
  const youngEvent = attemptEnded(org, 'tr-young', 400);
  const oldEvent = attemptEnded(org, 'tr-old', 600);
  const claim = async (event: ReturnType<typeof attemptEnded>, recordedAt: string) => {
    const time = event.detail.completed_at;
    const eventId = `task_attempt:${event.detail.task_run_id}:1`;
    await ddb.send(
      new PutCommand({
        TableName: platform.resources.tables.UsageEvent,
        Item: { pk: `${org}#${time.slice(0, 10)}`, sk: `${time}#${eventId}`, org_id: org, event_id: eventId, event_time: time, period: PERIOD, applied: false, recorded_at: recordedAt },
      }),
    );
  };
  // A delivery that claimed both and died before its transaction: one just now, one ten minutes ago.
  await claim(youngEvent, new Date().toISOString());
  await claim(oldEvent, new Date(Date.now() - 600_000).toISOString());
  const young = record(JSON.stringify(youngEvent));
  const old = record(JSON.stringify(oldEvent));
  const answer = await meter({ Records: [young, old] });
  expect(answer.batchItemFailures).toEqual([{ itemIdentifier: young.messageId }]);
  expect(await aggregate(org, 'task_attempts.lambda')).toEqual({ value: 1, events: 1 });
  expect((await aggregate(org, 'task_seconds.lambda'))!.value).toBeCloseTo(0.6, 9);
}, 60_000);

test('the repository: outcomes in order, twins in a batch are duplicates, an invalid event is left to retry without stopping the rest', async () => {
  const org = `org-${randomUUID()}`;
  const event = (i: number, metrics: Record<string, number> = { 'task_attempts.lambda': 1 }): UsageEventRecord => ({
    org_id: org,
    event_id: `test:${i}`,
    event_time: `${PERIOD}-02T00:00:0${i}.000Z`,
    period: PERIOD,
    event_type: 'task_attempt',
    resource_type: 'task_run',
    resource_id: `tr_${i}`,
    metrics,
    attributes: {},
  });
  const outcomes = await repo.recordBatch([event(1), event(2), event(1), event(3, { 'not a metric!': 1 }), event(4)]);
  expect(outcomes.map((o) => o.status)).toEqual(['counted', 'counted', 'duplicate', 'retry', 'counted']);
  expect(await totals(org)).toEqual({ 'task_attempts.lambda': 3 });
  expect((await repo.recordBatch([event(2), event(4)])).map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
}, 60_000);
