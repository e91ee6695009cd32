import { createEventBatcher } from '../../../lambdas/execution/task-runner/event-batcher';

/*
 * The whole-DAG runner's event queue: batches of up to `batch`, in order, one request at a time;
 * a partial batch waits at most `lingerMs` for more; a flush sends at once.
 */

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder() {
  const sent: number[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  return {
    sent,
    holdNext() {
      hold = true;
    },
    release() {
      hold = false;
      release?.();
    },
    send: async (batch: number[]) => {
      sent.push(batch);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
    },
  };
}

afterEach(() => jest.useRealTimers());

test('a full batch goes out at once; a partial one after the linger; order is kept', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  const r = recorder();
  const b = createEventBatcher({ send: r.send, batch: 3, lingerMs: 100, maxQueued: 100 });
  await b.push(1);
  await tick();
  expect(r.sent).toEqual([]);
  await b.push(2);
  await b.push(3);
  await tick();
  expect(r.sent).toEqual([[1, 2, 3]]);
  await b.push(4);
  await tick();
  jest.advanceTimersByTime(99);
  await tick();
  expect(r.sent).toEqual([[1, 2, 3]]);
  jest.advanceTimersByTime(1);
  await tick();
  expect(r.sent).toEqual([[1, 2, 3], [4]]);
});

test('flush sends what is queued without waiting for the linger, and resolves when all went out', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  const r = recorder();
  const b = createEventBatcher({ send: r.send, batch: 10, lingerMs: 60_000, maxQueued: 100 });
  for (let i = 0; i < 23; i++) await b.push(i);
  await tick();
  await b.flush();
  expect(r.sent.map((x) => x.length)).toEqual([10, 10, 3]);
  expect(r.sent.flat()).toEqual(Array.from({ length: 23 }, (_, i) => i));
  // After a flush, batching resumes: a lone item waits again.
  await b.push(99);
  await tick();
  expect(r.sent).toHaveLength(3);
  await b.flush();
  expect(r.sent[3]).toEqual([99]);
});

test('one request at a time; beyond maxQueued waiting, push waits for the queue to drain', async () => {
  const r = recorder();
  const b = createEventBatcher({ send: r.send, batch: 2, lingerMs: 0, maxQueued: 4 });
  r.holdNext();
  await b.push(1);
  await b.push(2);
  await tick();
  expect(r.sent).toEqual([[1, 2]]);
  for (let i = 3; i <= 6; i++) await b.push(i);
  let pushed = false;
  const blocked = b.push(7).then(() => (pushed = true));
  await tick();
  // The first request is still out: nothing else was sent, and the fifth waiting item waits.
  expect(r.sent).toEqual([[1, 2]]);
  expect(pushed).toBe(false);
  r.release();
  await blocked;
  await b.flush();
  expect(r.sent.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
});

test('with inFlight, full batches go out that many at once; a partial one still waits for the linger; nothing is left behind when a sender ends', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  const releases: Array<() => void> = [];
  const sent: number[][] = [];
  const send = (items: number[]) =>
    new Promise<void>((resolve) => {
      sent.push(items);
      releases.push(resolve);
    });
  const b = createEventBatcher({ send, batch: 2, lingerMs: 100, maxQueued: 100, inFlight: 3 });
  for (let i = 1; i <= 9; i++) await b.push(i);
  await tick();
  // Three requests out at once (one per full batch), the rest waiting for one to come back.
  expect(sent).toEqual([[1, 2], [3, 4], [5, 6]]);
  releases.splice(0).forEach((release) => release());
  await tick();
  await tick();
  expect(sent.slice(3)).toEqual([[7, 8]]);
  releases.splice(0).forEach((release) => release());
  await tick();
  await tick();
  // 9 is a partial batch: it waits for the linger (one sender waits; the others ended).
  expect(sent).toHaveLength(4);
  jest.advanceTimersByTime(100);
  await tick();
  expect(sent[4]).toEqual([9]);
  releases.splice(0).forEach((release) => release());
  await tick();
  // Later pushes start a sender again.
  await b.push(10);
  await b.push(11);
  await tick();
  expect(sent[5]).toEqual([10, 11]);
  releases.splice(0).forEach((release) => release());
  await b.flush();
  expect(sent.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
});
