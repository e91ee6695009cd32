import { createLocalBatchQueue } from '../../../local/batch-queue';
import { createLocalEventBus } from '../../../local/event-bus';
import type { AwsEmulator } from '../../../local/aws-emulator';
import { FUNCTIONS, visibilityTimeoutSeconds } from '../../../lambdas/catalogue';

// The local SQS queue in front of a batch-consuming function (the usage meter): batches by size
// and window, redelivers what the function answers as failed after the visibility timeout, and
// dead-letters after the last receive, as SQS with Lambda's event source does.

interface SqsEvent {
  Records: Array<{ messageId: string; body: string; attributes: { ApproximateReceiveCount: string }; eventSource: string }>;
}

function harness(answer: (event: SqsEvent) => unknown | Promise<unknown>, delivery = { batchSize: 3, batchingWindowSeconds: 1, maxReceives: 2 }) {
  const batches: SqsEvent[] = [];
  const dead: string[] = [];
  const queue = createLocalBatchQueue({
    target: 'usage-meter',
    delivery,
    visibilityTimeoutMs: 30_000,
    invoke: async (name, event) => {
      expect(name).toBe('usage-meter');
      batches.push(event as SqsEvent);
      return answer(event as SqsEvent);
    },
    onDeadLetter: (id, reason) => dead.push(`${id}: ${reason}`),
  });
  const bodies = () => batches.map((b) => b.Records.map((r) => r.body));
  return { queue, batches, dead, bodies };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a full batch goes at once; the rest waits for the window', async () => {
  const h = harness(() => ({ batchItemFailures: [] }));
  for (const body of ['a', 'b', 'c', 'd']) h.queue.send(body);
  await jest.advanceTimersByTimeAsync(0);
  expect(h.bodies()).toEqual([['a', 'b', 'c']]);
  await jest.advanceTimersByTimeAsync(999);
  expect(h.bodies()).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(h.bodies()).toEqual([['a', 'b', 'c'], ['d']]);
  expect(h.batches[0]!.Records.every((r) => r.eventSource === 'aws:sqs' && r.attributes.ApproximateReceiveCount === '1')).toBe(true);
});

test('drain delivers what waits for its window now', async () => {
  const h = harness(() => undefined);
  h.queue.send('x');
  await h.queue.drain();
  expect(h.bodies()).toEqual([['x']]);
});

test('failed records come back after the visibility timeout, then go to the dead letters', async () => {
  const h = harness((event) => ({ batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) }));
  h.queue.send('good');
  h.queue.send('bad');
  await h.queue.drain();
  expect(h.bodies()).toEqual([['good', 'bad']]);
  // Invisible until the timeout: drain does not wait for it.
  await jest.advanceTimersByTimeAsync(29_999);
  expect(h.bodies()).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1 + 1_000);
  expect(h.bodies()).toEqual([['good', 'bad'], ['bad']]);
  expect(h.batches[1]!.Records[0]!.attributes.ApproximateReceiveCount).toBe('2');
  // maxReceives = 2: the second failure dead-letters it.
  expect(h.dead).toEqual([`${h.batches[0]!.Records[1]!.messageId}: reported as a batch item failure`]);
  await jest.advanceTimersByTimeAsync(120_000);
  expect(h.bodies()).toHaveLength(2);
});

test('a function that throws, or answers something else than a partial batch response, fails the whole batch', async () => {
  let calls = 0;
  const h = harness(() => {
    calls++;
    if (calls === 1) throw new Error('boom');
    if (calls === 2) return { batchItemFailures: 'nonsense' };
    return { batchItemFailures: [] };
  }, { batchSize: 10, batchingWindowSeconds: 1, maxReceives: 3 });
  h.queue.send('a');
  h.queue.send('b');
  await h.queue.drain();
  await jest.advanceTimersByTimeAsync(31_000);
  await jest.advanceTimersByTimeAsync(31_000);
  expect(h.bodies()).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
  expect(h.dead).toEqual([]);
});

test('stop drops what is still invisible', async () => {
  const h = harness((event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }));
  h.queue.send('a');
  await h.queue.drain();
  h.queue.stop();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(h.bodies()).toHaveLength(1);
  h.queue.send('late');
  await h.queue.drain();
  expect(h.bodies()).toHaveLength(1);
});

test("the bus sends the usage rules' events to the meter's queue: one invocation for many events", async () => {
  jest.useRealTimers();
  const invocations: Array<{ name: string; event: unknown }> = [];
  const bus = createLocalEventBus({
    dagyBusName: 'dagy',
    buckets: { artifacts: 'a', ingest: 'i' },
    emulator: { register: () => undefined } as unknown as AwsEmulator,
    invoke: async (name, event) => {
      invocations.push({ name, event });
      return { batchItemFailures: [] };
    },
    onError: (rule, error) => {
      throw new Error(`${rule}: ${String(error)}`);
    },
  });
  const taskEvent = (i: number) => ({ source: 'dagy.execution', 'detail-type': 'Task Run Status Changed', time: new Date().toISOString(), resources: [], detail: { i, status: 'SUCCEEDED', previous_status: 'RUNNING' } });
  for (let i = 0; i < 5; i++) await bus.put('dagy', taskEvent(i));
  // A finished run: the alert dispatcher is invoked directly, the meter through the queue.
  await bus.put('dagy', { source: 'dagy.execution', 'detail-type': 'Run Status Changed', time: new Date().toISOString(), resources: [], detail: { status: 'SUCCEEDED' } });
  await bus.drain();
  const meter = invocations.filter((i) => i.name === 'usage-meter');
  expect(meter).toHaveLength(1);
  const records = (meter[0]!.event as SqsEvent).Records;
  expect(records.map((r) => JSON.parse(r.body).detail)).toEqual([...[0, 1, 2, 3, 4].map((i) => ({ i, status: 'SUCCEEDED', previous_status: 'RUNNING' })), { status: 'SUCCEEDED' }]);
  // EventBridge's SQS target sends the whole event as the body.
  expect(JSON.parse(records[0]!.body)).toMatchObject({ version: '0', source: 'dagy.execution', 'detail-type': 'Task Run Status Changed' });
  expect(invocations.filter((i) => i.name === 'alert-dispatcher')).toHaveLength(1);
  await bus.stop();
});

test("the meter's queue: a visibility timeout of six times its timeout plus its window", () => {
  const def = FUNCTIONS['usage-meter'];
  expect(def.queue).toBeDefined();
  expect(visibilityTimeoutSeconds(def)).toBe(6 * def.timeoutSeconds + def.queue!.batchingWindowSeconds);
});
