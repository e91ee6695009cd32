import { createGroupCommit } from '../../../lambdas/shared/group-commit';

/** A sendMany whose requests the test ends one by one. */
function controlledSender() {
  const requests: Array<{ items: number[]; answer: () => void; fail: (e: Error) => void }> = [];
  const sendMany = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      requests.push({ items, answer: () => resolve(items.map((i) => `done ${i}`)), fail: reject });
    });
  return { requests, sendMany };
}
const tick = () => new Promise((r) => setImmediate(r));

test('an item alone goes at once; those submitted while it is in flight go together in the next request, each answered', async () => {
  const { requests, sendMany } = controlledSender();
  const group = createGroupCommit(sendMany);
  const first = group.submit(1);
  expect(requests.map((r) => r.items)).toEqual([[1]]);
  const later = [group.submit(2), group.submit(3), group.submit(4)];
  await tick();
  expect(requests).toHaveLength(1);
  requests[0]!.answer();
  expect(await first).toBe('done 1');
  await tick();
  expect(requests.map((r) => r.items)).toEqual([[1], [2, 3, 4]]);
  requests[1]!.answer();
  expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
  // Nothing in flight again: the next goes at once.
  void group.submit(5);
  expect(requests.map((r) => r.items)).toEqual([[1], [2, 3, 4], [5]]);
});

test('a request that fails rejects its items only; the next request still goes', async () => {
  const { requests, sendMany } = controlledSender();
  const group = createGroupCommit(sendMany);
  const first = group.submit(1);
  const second = group.submit(2);
  requests[0]!.fail(new Error('throttled'));
  await expect(first).rejects.toThrow('throttled');
  await tick();
  requests[1]!.answer();
  expect(await second).toBe('done 2');
});

test('at most `max` items per request; a sender answering the wrong number of items rejects them', async () => {
  const { requests, sendMany } = controlledSender();
  const group = createGroupCommit(sendMany, { max: 2 });
  const all = [1, 2, 3, 4].map((i) => group.submit(i));
  requests[0]!.answer();
  await tick();
  requests[1]!.answer();
  await tick();
  requests[2]!.answer();
  expect(await Promise.all(all)).toEqual(['done 1', 'done 2', 'done 3', 'done 4']);
  expect(requests.map((r) => r.items)).toEqual([[1], [2, 3], [4]]);

  const wrong = createGroupCommit(async (items: number[]) => items.slice(1));
  await expect(wrong.submit(1)).rejects.toThrow('0 answers for 1 items');
});
