import { ManualClock } from '../../../lambdas/shared/clock';
import { sleepUntil } from '../../../lambdas/scheduling/sleep';

describe('sleepUntil', () => {
  it('returns at once for a time already reached', async () => {
    const clock = new ManualClock(1000);
    await expect(sleepUntil(clock, 1000)).resolves.toBeUndefined();
    await expect(sleepUntil(clock, 0)).resolves.toBeUndefined();
  });

  it('waits until an injected clock is moved to the target', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const waiting = sleepUntil(clock, 30_000).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    clock.set(29_999);
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    clock.set(30_000);
    await waiting;
    expect(done).toBe(true);
  });

  it('on a real clock, wakes at the target', async () => {
    const clock = { nowMs: () => Date.now() };
    const target = Date.now() + 250;
    await sleepUntil(clock, target);
    expect(Date.now()).toBeGreaterThanOrEqual(target);
  });
});
