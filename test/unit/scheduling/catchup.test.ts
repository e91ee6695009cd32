import { dueSlots, InvalidScheduleTimingError, slotsBetween } from '../../../lambdas/scheduling/slots';
import type { ScheduleTiming } from '../../../lambdas/scheduling/slots';
import { cron, epoch, utc } from './schedule-fixtures';

const hourly = (catchup: 'all' | 'none', extra: Partial<ScheduleTiming> = {}): ScheduleTiming =>
  cron('0 * * * *', 'UTC', { catchup_policy: catchup, ...extra });

const hours = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `2026-01-01T${String(from + i).padStart(2, '0')}:00:00Z`);

describe('dueSlots after a 10-slot outage (slots 00:00..09:00 missed, now 09:30)', () => {
  const stored = epoch('2026-01-01T00:00:00Z');
  const now = epoch('2026-01-01T09:30:00Z');

  it("policy 'all' fires every missed slot, oldest first", () => {
    const r = dueSlots(hourly('all'), stored, now);
    expect(r.fire.map(utc)).toEqual(hours(0, 9));
    expect(r).toMatchObject({ nextRunEpoch: epoch('2026-01-01T10:00:00Z'), remaining: false });
  });

  it("policy 'none' fires only the latest missed slot", () => {
    const r = dueSlots(hourly('none'), stored, now);
    expect(r.fire.map(utc)).toEqual(['2026-01-01T09:00:00Z']);
    expect(r).toMatchObject({ nextRunEpoch: epoch('2026-01-01T10:00:00Z'), remaining: false });
  });

  it('maxPerTick bounds a call; repeated calls drain the backlog exactly once each', () => {
    const s = hourly('all');
    const first = dueSlots(s, stored, now, { maxPerTick: 4 });
    expect(first.fire.map(utc)).toEqual(hours(0, 3));
    expect(first).toMatchObject({ nextRunEpoch: epoch('2026-01-01T04:00:00Z'), remaining: true });

    const fired: number[] = [...first.fire];
    let next = first.nextRunEpoch;
    let calls = 1;
    for (let remaining = first.remaining; remaining; calls++) {
      const r = dueSlots(s, next, now, 4); // maxPerTick also accepted positionally
      fired.push(...r.fire);
      next = r.nextRunEpoch;
      remaining = r.remaining;
    }
    expect(calls).toBe(3);
    expect(fired.map(utc)).toEqual(hours(0, 9));
    expect(next).toBe(epoch('2026-01-01T10:00:00Z'));
  });

  it('defaults maxPerTick to 100', () => {
    const r = dueSlots(cron('* * * * *', 'UTC', { catchup_policy: 'all' }), epoch('2026-01-01T00:00:00Z'), epoch('2026-01-01T12:00:00Z'));
    expect(r.fire).toHaveLength(100);
    expect(r.remaining).toBe(true);
    expect(r.nextRunEpoch).toBe(epoch('2026-01-01T01:40:00Z'));
  });
});

describe('dueSlots on time', () => {
  it('fires the slot that just came due and advances to the next one', () => {
    const r = dueSlots(hourly('none'), epoch('2026-01-01T09:00:00Z'), epoch('2026-01-01T09:00:05Z'));
    expect(r).toEqual({ fire: [epoch('2026-01-01T09:00:00Z')], nextRunEpoch: epoch('2026-01-01T10:00:00Z'), remaining: false });
  });

  it('fires nothing before the stored next run and keeps it', () => {
    const stored = epoch('2026-01-01T10:00:00Z');
    expect(dueSlots(hourly('all'), stored, epoch('2026-01-01T09:59:59Z'))).toEqual({
      fire: [],
      nextRunEpoch: stored,
      remaining: false,
    });
  });

  it('returns nothing for a schedule with no next run', () => {
    expect(dueSlots(hourly('all'), null, epoch('2026-01-01T09:00:00Z'))).toEqual({ fire: [], nextRunEpoch: null, remaining: false });
  });

  it('re-derives slots from the schedule when the stored value is not a slot (edited schedule)', () => {
    const r = dueSlots(hourly('all'), epoch('2026-01-01T00:10:00Z'), epoch('2026-01-01T02:30:00Z'));
    expect(r.fire.map(utc)).toEqual(['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z']);
  });
});

describe('dueSlots with a lookahead', () => {
  it('fires slots up to now + lookahead so the caller can start them at their exact second', () => {
    const r = dueSlots(hourly('all'), epoch('2026-01-01T09:00:00Z'), epoch('2026-01-01T08:59:30Z'), { lookaheadSeconds: 60 });
    expect(r).toEqual({ fire: [epoch('2026-01-01T09:00:00Z')], nextRunEpoch: epoch('2026-01-01T10:00:00Z'), remaining: false });
  });

  it("with 'none', an upcoming slot does not make a merely late one count as skipped", () => {
    const minutely = cron('* * * * *', 'UTC', { catchup_policy: 'none' });
    const r = dueSlots(minutely, epoch('2026-01-01T12:00:00Z'), epoch('2026-01-01T12:00:30Z'), { lookaheadSeconds: 60 });
    expect(r.fire.map(utc)).toEqual(['2026-01-01T12:00:00Z', '2026-01-01T12:01:00Z']);
    expect(r.nextRunEpoch).toBe(epoch('2026-01-01T12:02:00Z'));
  });

  it("with 'none' after an outage: the latest missed slot plus the upcoming ones", () => {
    const r = dueSlots(hourly('none'), epoch('2026-01-01T00:00:00Z'), epoch('2026-01-01T08:59:30Z'), { lookaheadSeconds: 60 });
    expect(r.fire.map(utc)).toEqual(['2026-01-01T08:00:00Z', '2026-01-01T09:00:00Z']);
    expect(r.nextRunEpoch).toBe(epoch('2026-01-01T10:00:00Z'));
  });

  it('rejects nonsensical options', () => {
    expect(() => dueSlots(hourly('all'), 0, 0, { maxPerTick: 0 })).toThrow(RangeError);
    expect(() => dueSlots(hourly('all'), 0, 0, { lookaheadSeconds: -1 })).toThrow(RangeError);
  });
});

describe('dueSlots per mode and bound', () => {
  it('one_time fires once and then has no next run', () => {
    const once: ScheduleTiming = { mode: 'one_time', start_at: '2026-01-01T09:00:00Z' };
    const at = epoch('2026-01-01T09:00:00Z');
    expect(dueSlots(once, at, epoch('2026-01-02T00:00:00Z'))).toEqual({ fire: [at], nextRunEpoch: null, remaining: false });
  });

  it('stops at end_at', () => {
    const r = dueSlots(hourly('all', { end_at: '2026-01-01T03:00:00Z' }), epoch('2026-01-01T00:00:00Z'), epoch('2026-01-01T09:30:00Z'));
    expect(r.fire.map(utc)).toEqual(hours(0, 3));
    expect(r.nextRunEpoch).toBeNull();
  });

  it('manual schedules never fire', () => {
    expect(dueSlots({ mode: 'manual' }, 0, epoch('2026-01-01T00:00:00Z'))).toEqual({ fire: [], nextRunEpoch: null, remaining: false });
  });

  it("catching up across a fall-back night fires each repeated wall time once ('all')", () => {
    const s = cron('*/30 1 * * *', 'America/New_York', { catchup_policy: 'all' });
    const r = dueSlots(s, epoch('2026-11-01T05:00:00Z'), epoch('2026-11-01T08:00:00Z'));
    expect(r.fire.map(utc)).toEqual(['2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z']);
    expect(r.nextRunEpoch).toBe(epoch('2026-11-02T06:00:00Z'));
  });

  it("'all' over a long outage equals slotsBetween, in maxPerTick chunks", () => {
    const s = cron('*/7 * * * *', 'Europe/Berlin', { catchup_policy: 'all' });
    const from = epoch('2026-03-28T22:00:00Z');
    const now = epoch('2026-03-29T04:00:00Z');
    const fired: number[] = [];
    let next: number | null = from;
    for (let guard = 0; next !== null && guard < 20; guard++) {
      const r = dueSlots(s, next, now, 17);
      fired.push(...r.fire);
      next = r.nextRunEpoch;
      if (!r.remaining) break;
    }
    expect(fired).toEqual(slotsBetween(s, from - 1, now, 1000));
  });

  it('throws for an invalid schedule', () => {
    expect(() => dueSlots({ mode: 'one_time', start_at: '2026-01-01T00:00:00Z', catchup_policy: 'all' }, 0, 0)).toThrow(
      InvalidScheduleTimingError,
    );
  });
});
