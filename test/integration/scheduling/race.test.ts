// Two evaluators racing over 1,000 due schedules (own tables: nothing else fires here).
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';
import { RecordingStarter, epoch, putSchedules, scheduleRecord, scheduleRepository, testEvaluator, utc } from './support';

const T0 = epoch('2026-06-01T10:00:00Z');

describe('schedule evaluator race', () => {
  let platform: Platform;
  const clock = new ManualClock(T0 * 1000);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('two evaluators racing over 1,000 due schedules start exactly one run per slot, none missed', async () => {
    const org = 'org-race';
    const ids = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    await putSchedules(
      platform,
      ids.map((id) => scheduleRecord(org, id, T0 - 3600, { next_run_epoch: T0, next_run_at: utc(T0) })),
    );
    const starter = new RecordingStarter(clock);
    const a = testEvaluator(platform, starter, clock);
    const b = testEvaluator(platform, starter, clock);
    clock.set(T0 * 1000 + 5000);
    const [ra, rb] = await Promise.all([a.evaluator.tick(), b.evaluator.tick()]);

    // Exactly one start per (schedule, slot): the claims never overlapped, none was missed.
    expect(starter.calls).toHaveLength(1000);
    expect(ids.filter((id) => starter.byKey.get(`schedule:${id}:${T0}`) !== 1)).toEqual([]);
    expect(ra.claimed + rb.claimed).toBe(1000);
    expect(ra.runs_created + rb.runs_created).toBe(1000);
    expect(ra.lost + rb.lost).toBeGreaterThan(0);
    // Both read every due schedule from the index (and only those).
    expect(ra.items_read).toBe(1000);
    expect(rb.items_read).toBe(1000);

    const repo = scheduleRepository(platform);
    for (const id of ['s0', 's1', 's499', 's999']) {
      const stored = (await repo.get(org, id))!;
      expect(stored.schedule.next_run_epoch).toBe(T0 + 3600);
      expect(stored.schedule.last_slot_at).toBe(utc(T0));
      expect(stored.lease).toBeNull();
    }
    // A third evaluator at the same moment finds nothing left to fire.
    const again = await testEvaluator(platform, starter, clock).evaluator.tick();
    expect(again.items_read).toBe(0);
    expect(starter.calls).toHaveLength(1000);
  }, 120_000);
});
