import { forEachBounded, mapBounded } from '../../../lambdas/shared/bounded';

test('runs every item with at most `limit` in flight, starting them in order', async () => {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  await forEachBounded([...Array(20).keys()], 4, async (i) => {
    started.push(i);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, (i * 7) % 5));
    inFlight--;
  });
  expect(started).toEqual([...Array(20).keys()]);
  expect(most).toBe(4);
});

test('rejects with the first failure, starts nothing after it, and lets the calls in flight finish', async () => {
  const finished: number[] = [];
  const started: number[] = [];
  await expect(
    forEachBounded([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('one failed');
      await new Promise((r) => setTimeout(r, 5));
      finished.push(i);
    }),
  ).rejects.toThrow('one failed');
  expect(started).toEqual([0, 1]);
  expect(finished).toEqual([0]);
});

test('an empty list resolves at once', async () => {
  await expect(forEachBounded([], 3, async () => undefined)).resolves.toBeUndefined();
});

test('mapBounded answers the results in the order of the items, whatever order they finish in', async () => {
  const results = await mapBounded([30, 0, 20, 10, 5], 3, async (ms) => {
    await new Promise((r) => setTimeout(r, ms));
    return ms * 2;
  });
  expect(results).toEqual([60, 0, 40, 20, 10]);
});
