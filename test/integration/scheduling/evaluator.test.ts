// The schedule evaluator on DynamoDB Local with an injected clock: catch-up after an outage, the
// per-tick bound, DST (through the evaluator), one_time, end_at, lookahead slots started at their
// second, crash recovery, failures, paused deployments, edits while a tick holds the schedule.
import { ManualClock } from '../../../lambdas/shared/clock';
import { ValidationError } from '../../../lambdas/shared/errors';
import type { ScheduleRecord } from '../../../lambdas/scheduling/schedule-record';
import type { DeploymentState } from '../../../lambdas/scheduling/evaluator';
import { transact } from '../../../lambdas/shared/dynamo/transact';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';
import { RecordingStarter, documentClient, epoch, parkSchedules, putSchedules, scheduleRecord, scheduleRepository, testEvaluator, utc } from './support';

describe('schedule evaluator', () => {
  let platform: Platform;
  const clock = new ManualClock(epoch('2026-01-01T00:00:00Z') * 1000);
  const repo = () => scheduleRepository(platform);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });
  // Each test's schedules are disabled after it, so no later tick (at a later time) fires them.
  afterEach(async () => {
    for (const org of ['org-catchup', 'org-dst', 'org-bounds', 'org-recovery']) await parkSchedules(platform, org);
  });

  async function stored(org: string, id: string) {
    const s = await repo().get(org, id);
    if (s === undefined) throw new Error(`schedule ${id} not found`);
    return s;
  }

  /** Ticks at each next slot (plus one second) `count` times; returns the slots fired (UTC). */
  async function tickThroughSlots(org: string, id: string, count: number, starter: RecordingStarter, state?: (o: string, n: string) => DeploymentState) {
    const ev = testEvaluator(platform, starter, clock, {}, state);
    for (let i = 0; i < count; i++) {
      const next = (await stored(org, id)).schedule.next_run_epoch;
      if (next === null) break;
      clock.set((next + 1) * 1000);
      await ev.evaluator.tick();
    }
    return starter.slotsOf(id);
  }

  describe('catch-up after a 10-slot outage', () => {
    const T = epoch('2026-06-01T10:00:00Z');
    const org = 'org-catchup';

    it('all → one run per missed slot, oldest first; none → only the latest', async () => {
      await putSchedules(platform, [
        scheduleRecord(org, 'hourly-all', T - 7200, { catchup_policy: 'all', next_run_epoch: T, next_run_at: utc(T) }),
        scheduleRecord(org, 'hourly-none', T - 7200, { catchup_policy: 'none', next_run_epoch: T, next_run_at: utc(T) }),
      ]);
      const starter = new RecordingStarter(clock);
      const { evaluator } = testEvaluator(platform, starter, clock);
      // The evaluator was down from 10:00 to 19:30: slots 10:00 … 19:00 (10) were missed.
      clock.set((T + 9 * 3600 + 1800) * 1000);
      await evaluator.tick();
      const missed = Array.from({ length: 10 }, (_, i) => utc(T + i * 3600));
      expect(starter.slotsOf('hourly-all').sort()).toEqual(missed);
      expect(starter.slotsOf('hourly-none')).toEqual([utc(T + 9 * 3600)]);
      for (const id of ['hourly-all', 'hourly-none']) {
        const s = (await stored(org, id)).schedule;
        expect(s.next_run_epoch).toBe(T + 10 * 3600);
        expect(s.last_slot_at).toBe(utc(T + 9 * 3600));
        expect(s.last_triggered_at).toBe(new Date(clock.nowMs()).toISOString());
      }
      // Nothing is fired twice by the next tick.
      clock.advance(60_000);
      await evaluator.tick();
      expect(starter.slotsOf('hourly-all')).toHaveLength(10);
      expect(starter.slotsOf('hourly-none')).toHaveLength(1);
    });

    it('all is bounded at 100 runs per tick; the rest fire on the next tick', async () => {
      const start = epoch('2026-06-02T00:00:00Z');
      await putSchedules(platform, [
        scheduleRecord(org, 'often-all', start - 60, { mode: 'interval', cron_expression: null, interval_seconds: 120, catchup_policy: 'all', next_run_epoch: start, next_run_at: utc(start) }),
      ]);
      const starter = new RecordingStarter(clock);
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((start + 149 * 120 + 30) * 1000); // 150 slots late; the next is 90 s ahead
      await evaluator.tick();
      expect(starter.slotsOf('often-all')).toHaveLength(100);
      expect((await stored(org, 'often-all')).schedule.next_run_epoch).toBe(start + 100 * 120);
      await evaluator.tick();
      const slots = starter.slotsOf('often-all');
      expect(new Set(slots).size).toBe(150);
      expect(slots.sort()).toEqual(Array.from({ length: 150 }, (_, i) => utc(start + i * 120)));
      expect((await stored(org, 'often-all')).schedule.next_run_epoch).toBe(start + 150 * 120);
    });
  });

  describe('DST through the evaluator', () => {
    const org = 'org-dst';

    it('America/New_York 2026-03-08: 02:30 does not exist, the run fires once at 03:00 EDT', async () => {
      const created = epoch('2026-03-06T12:00:00Z');
      await putSchedules(platform, [scheduleRecord(org, 'ny-spring', created, { cron_expression: '30 2 * * *', timezone: 'America/New_York' })]);
      const slots = await tickThroughSlots(org, 'ny-spring', 3, new RecordingStarter(clock));
      // 02:30 EST = 07:30Z; the gap → 03:00 EDT = 07:00Z; then 02:30 EDT = 06:30Z.
      expect(slots).toEqual(['2026-03-07T07:30:00Z', '2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z']);
    });

    it('America/New_York 2026-11-01: 01:30 happens twice, the run fires once (the first, EDT)', async () => {
      const created = epoch('2026-10-30T12:00:00Z');
      await putSchedules(platform, [scheduleRecord(org, 'ny-fall', created, { cron_expression: '30 1 * * *', timezone: 'America/New_York' })]);
      const slots = await tickThroughSlots(org, 'ny-fall', 3, new RecordingStarter(clock));
      expect(slots).toEqual(['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']);
    });

    it('an hourly cron fires 25 times on 2026-11-01 and 23 times on 2026-03-08 in New York', async () => {
      await putSchedules(platform, [scheduleRecord(org, 'ny-hourly-fall', epoch('2026-11-01T04:00:00Z') - 1, { timezone: 'America/New_York' })]);
      const fall = await tickThroughSlots(org, 'ny-hourly-fall', 25, new RecordingStarter(clock));
      await parkSchedules(platform, org);
      expect(fall).toHaveLength(25);
      expect(fall[0]).toBe('2026-11-01T04:00:00Z'); // 00:00 EDT
      expect(fall[24]).toBe('2026-11-02T04:00:00Z'); // 23:00 EST
      expect((await stored(org, 'ny-hourly-fall')).schedule.next_run_epoch).toBe(epoch('2026-11-02T05:00:00Z'));
      await putSchedules(platform, [scheduleRecord(org, 'ny-hourly-spring', epoch('2026-03-08T05:00:00Z') - 1, { timezone: 'America/New_York' })]);
      const spring = await tickThroughSlots(org, 'ny-hourly-spring', 23, new RecordingStarter(clock));
      expect(spring[0]).toBe('2026-03-08T05:00:00Z'); // 00:00 EST
      expect(spring[22]).toBe('2026-03-09T03:00:00Z'); // 23:00 EDT
      expect((await stored(org, 'ny-hourly-spring')).schedule.next_run_epoch).toBe(epoch('2026-03-09T04:00:00Z'));
    });

    it('Europe/Berlin: 02:30 on 2026-03-29 fires at 03:00 CEST; on 2026-10-25 once, at 02:30 CEST', async () => {
      await putSchedules(platform, [scheduleRecord(org, 'berlin-spring', epoch('2026-03-27T12:00:00Z'), { cron_expression: '30 2 * * *', timezone: 'Europe/Berlin' })]);
      expect(await tickThroughSlots(org, 'berlin-spring', 3, new RecordingStarter(clock))).toEqual([
        '2026-03-28T01:30:00Z',
        '2026-03-29T01:00:00Z',
        '2026-03-30T00:30:00Z',
      ]);
      await parkSchedules(platform, org);
      await putSchedules(platform, [scheduleRecord(org, 'berlin-fall', epoch('2026-10-23T12:00:00Z'), { cron_expression: '30 2 * * *', timezone: 'Europe/Berlin' })]);
      expect(await tickThroughSlots(org, 'berlin-fall', 3, new RecordingStarter(clock))).toEqual([
        '2026-10-24T00:30:00Z',
        '2026-10-25T00:30:00Z',
        '2026-10-26T01:30:00Z',
      ]);
    });
  });

  describe('bounds', () => {
    const org = 'org-bounds';
    const T = epoch('2026-07-01T08:00:00Z');

    it('a one_time schedule fires once, then disables itself and leaves the due index', async () => {
      const fire = T + 1800;
      await putSchedules(platform, [scheduleRecord(org, 'once', T, { mode: 'one_time', cron_expression: null, start_at: utc(fire) })]);
      expect((await stored(org, 'once')).schedule.next_run_epoch).toBe(fire);
      const starter = new RecordingStarter(clock);
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((fire - 600) * 1000);
      await evaluator.tick();
      expect(starter.slotsOf('once')).toEqual([]);
      clock.set((fire + 2) * 1000);
      await evaluator.tick();
      expect(starter.slotsOf('once')).toEqual([utc(fire)]);
      const s = (await stored(org, 'once')).schedule;
      expect(s.enabled).toBe(false);
      expect(s.next_run_epoch).toBeNull();
      // Not in the due index any more: a tick a day later does not even read it.
      clock.set((fire + 86400) * 1000);
      const report = await evaluator.tick();
      expect(starter.slotsOf('once')).toHaveLength(1);
      const due = await Promise.all((await import('../../../lambdas/scheduling/schedule-repository')).DUE_SHARDS.map((shard) => repo().queryDue(shard, fire + 86400)));
      expect(due.flatMap((p) => p.items).some((i) => i.schedule.schedule_id === 'once')).toBe(false);
      expect(report.items_read).toBe(due.reduce((n, p) => n + p.count, 0));
    });

    it('end_at bounds the slots (inclusive) and disables the schedule after the last', async () => {
      await putSchedules(platform, [
        scheduleRecord(org, 'bounded', T - 1, { mode: 'interval', cron_expression: null, interval_seconds: 3600, start_at: utc(T), end_at: utc(T + 7200) }),
        scheduleRecord(org, 'bounded-outage', T - 1, { mode: 'interval', cron_expression: null, interval_seconds: 3600, start_at: utc(T), end_at: utc(T + 7200) }),
      ]);
      const starter = new RecordingStarter(clock);
      expect(await tickThroughSlots(org, 'bounded', 10, starter)).toEqual([utc(T), utc(T + 3600), utc(T + 7200)]);
      expect((await stored(org, 'bounded')).schedule).toMatchObject({ enabled: false, next_run_epoch: null });
      // 'bounded-outage' was fired at T by the ticks above; then down until well past end_at.
      expect(starter.slotsOf('bounded-outage')).toEqual([utc(T), utc(T + 3600), utc(T + 7200)]);
      expect((await stored(org, 'bounded-outage')).schedule.enabled).toBe(false);
    });

    it('past end_at after an outage: catchup none fires the last slot before end_at, then disables', async () => {
      await putSchedules(platform, [
        scheduleRecord(org, 'ended', T - 1, { mode: 'interval', cron_expression: null, interval_seconds: 3600, start_at: utc(T), end_at: utc(T + 7200 + 1800) }),
      ]);
      const starter = new RecordingStarter(clock);
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((T + 86400) * 1000);
      await evaluator.tick();
      expect(starter.slotsOf('ended')).toEqual([utc(T + 7200)]);
      expect((await stored(org, 'ended')).schedule).toMatchObject({ enabled: false, next_run_epoch: null });
    });
  });

  describe('timing, failures and recovery', () => {
    const org = 'org-recovery';
    const T = epoch('2026-08-01T12:00:00Z');

    it('a slot inside the coming minute starts at its own second, not at the next tick', async () => {
      const slot = T + 3600;
      await putSchedules(platform, [scheduleRecord(org, 'soon', T + 1, {})]);
      expect((await stored(org, 'soon')).schedule.next_run_epoch).toBe(slot);
      const starter = new RecordingStarter(clock);
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((slot - 30) * 1000);
      const tick = evaluator.tick();
      // The tick claims the slot now and waits for it (the lease shows it holds the schedule)...
      while ((await stored(org, 'soon')).lease === null) await new Promise((r) => setTimeout(r, 20));
      expect(starter.slotsOf('soon')).toEqual([]);
      // ...a second evaluator in the same minute leaves it to the holder...
      const other = new RecordingStarter(clock);
      await testEvaluator(platform, other, clock).evaluator.tick();
      expect(other.calls).toHaveLength(0);
      // ...and the run starts when the clock reaches the slot.
      clock.set(slot * 1000);
      const report = await tick;
      expect(starter.slotsOf('soon')).toEqual([utc(slot)]);
      expect(starter.calls[0]!.at_ms).toBe(slot * 1000);
      expect(report.start_delays_ms).toEqual([0]);
      expect((await stored(org, 'soon')).schedule.next_run_epoch).toBe(slot + 3600);
    });

    it("the next tick waits out the previous tick's window, then fires the rest of its own at their second", async () => {
      const slot = T + 6 * 3600;
      await putSchedules(platform, [
        scheduleRecord(org, 'every-minute', slot - 120, { mode: 'interval', cron_expression: null, interval_seconds: 60, start_at: utc(slot) }),
      ]);
      const starter = new RecordingStarter(clock);
      const ev = () => testEvaluator(platform, starter, clock).evaluator;
      const leaseHorizon = async () => (await stored(org, 'every-minute')).lease?.horizon_epoch;
      // Tick A at slot-50 (window up to slot+10) claims `slot` and waits for it.
      clock.set((slot - 50) * 1000);
      const a = ev().tick();
      while ((await leaseHorizon()) !== slot + 10) await new Promise((r) => setTimeout(r, 20));
      // Tick B at slot+5 (window up to slot+65) finds A's lease: slot+60 is B's, after A is done.
      clock.set((slot + 5) * 1000);
      const b = ev().tick();
      await a; // A fires `slot` (5 s late: its clock jumped) and gives the schedule back.
      expect(starter.slotsOf('every-minute')).toEqual([utc(slot)]);
      clock.set((slot + 11) * 1000); // A's window is over: B re-reads, claims slot+60, waits for it
      while ((await leaseHorizon()) !== slot + 65) await new Promise((r) => setTimeout(r, 20));
      expect(starter.slotsOf('every-minute')).toEqual([utc(slot)]);
      clock.set((slot + 60) * 1000);
      await b;
      expect(starter.slotsOf('every-minute')).toEqual([utc(slot), utc(slot + 60)]);
      expect(starter.calls.find((c) => c.trigger.slot === utc(slot + 60))!.at_ms).toBe((slot + 60) * 1000);
      expect((await stored(org, 'every-minute')).schedule.next_run_epoch).toBe(slot + 120);
    });

    it('a crashed evaluator: its lease expires and the next tick fires the same slot with the same key', async () => {
      const slot = T + 7200;
      const record = scheduleRecord(org, 'crashed', T, { next_run_epoch: slot, next_run_at: utc(slot) });
      await putSchedules(platform, [record]);
      const starter = new RecordingStarter(clock);
      // The crashed evaluator claimed the slot, started its run, and died before giving it back.
      clock.set((slot + 1) * 1000);
      expect((await repo().claim(record, { token: 'dead', expires_epoch: slot + 180, horizon_epoch: slot + 60 }, slot + 1)).claimed).toBe(true);
      await starter.start({ org_id: org, flow_name: 'etl', flow_version: '1.0.0', parameters: {}, idempotency_key: `schedule:crashed:${slot}`, trigger: { type: 'schedule', id: 'crashed', slot: utc(slot) }, actor_email: 'x' });
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((slot + 120) * 1000); // lease still live: left alone
      await evaluator.tick();
      expect(starter.byKey.get(`schedule:crashed:${slot}`)).toBe(1);
      clock.set((slot + 181) * 1000); // lease expired: taken over
      const report = await evaluator.tick();
      expect(starter.byKey.get(`schedule:crashed:${slot}`)).toBe(2);
      expect(report.runs_existing).toBe(1); // the run starter answered with the run already made
      const after = await stored(org, 'crashed');
      expect(after.lease).toBeNull();
      expect(after.schedule.next_run_epoch).toBe(slot + 3600);
    });

    it('a transient start failure leaves the slot due; a permanent one records the error and moves on', async () => {
      const slot = T + 3 * 3600;
      await putSchedules(platform, [
        scheduleRecord(org, 'flaky', T, { next_run_epoch: slot, next_run_at: utc(slot) }),
        scheduleRecord(org, 'broken', T, { next_run_epoch: slot, next_run_at: utc(slot) }),
      ]);
      const starter = new RecordingStarter(clock);
      let flakyFailures = 1;
      starter.failWith = (request) => {
        if (request.trigger.id === 'broken') return new ValidationError([{ path: 'parameters.day', message: 'required' }]);
        if (request.trigger.id === 'flaky' && flakyFailures-- > 0) return new Error('throttled');
        return undefined;
      };
      const { evaluator } = testEvaluator(platform, starter, clock);
      clock.set((slot + 5) * 1000);
      await evaluator.tick();
      expect((await stored(org, 'flaky')).schedule.next_run_epoch).toBe(slot);
      const broken = (await stored(org, 'broken')).schedule;
      expect(broken.next_run_epoch).toBe(slot + 3600);
      expect(broken.last_error).toContain('request validation failed');
      expect(broken.last_error_at).not.toBeNull();
      clock.advance(60_000);
      await evaluator.tick();
      expect(starter.slotsOf('flaky')).toEqual([utc(slot)]);
      expect((await stored(org, 'flaky')).schedule.next_run_epoch).toBe(slot + 3600);
      expect(starter.slotsOf('broken')).toEqual([]);
    });

    it("a paused deployment's slot is skipped and recorded, not queued", async () => {
      const slot = T + 4 * 3600;
      await putSchedules(platform, [
        scheduleRecord(org, 'paused-dep', T, { deployment_name: 'etl-prod', flow_version: null, next_run_epoch: slot, next_run_at: utc(slot) }),
      ]);
      const starter = new RecordingStarter(clock);
      const t = testEvaluator(platform, starter, clock, {}, (_o, name) => (name === 'etl-prod' ? 'PAUSED' : 'ACTIVE'));
      clock.set((slot + 3) * 1000);
      const report = await t.evaluator.tick();
      expect(starter.slotsOf('paused-dep')).toEqual([]);
      expect(report.slots_skipped).toBe(1);
      expect(t.skipped.map((s) => [s.schedule.schedule_id, s.slots, s.reason])).toEqual([['paused-dep', [slot], 'deployment paused']]);
      const s = (await stored(org, 'paused-dep')).schedule;
      expect(s).toMatchObject({ next_run_epoch: slot + 3600, last_skipped_slot_at: utc(slot), last_skip_reason: 'deployment paused', enabled: true });
      expect(s.last_skipped_at).toBe(new Date(clock.nowMs()).toISOString());
    });

    it('an edit while a tick holds the schedule wins: the tick only drops its lease', async () => {
      const slot = T + 5 * 3600;
      const record: ScheduleRecord = scheduleRecord(org, 'edited', T, { next_run_epoch: slot, next_run_at: utc(slot) });
      await putSchedules(platform, [record]);
      clock.set(slot * 1000);
      const claim = await repo().claim(record, { token: 'tick-1', expires_epoch: slot + 180, horizon_epoch: slot + 60 }, slot);
      expect(claim.claimed).toBe(true);
      const edited: ScheduleRecord = { ...record, cron_expression: '15 * * * *', next_run_epoch: slot + 900, next_run_at: utc(slot + 900), version: 2 };
      await transact(documentClient(platform), [repo().replace(edited, 1)]);
      const released = await repo().release(record, 'tick-1', { next_run_epoch: slot + 3600, next_run_at: utc(slot + 3600), last_slot_at: utc(slot) });
      expect(released).toBe(false);
      const after = await stored(org, 'edited');
      expect(after.lease).toBeNull();
      expect(after.schedule).toMatchObject({ next_run_epoch: slot + 900, cron_expression: '15 * * * *', last_slot_at: utc(slot), version: 2 });
    });
  });
});
