import {
  InvalidScheduleTimingError,
  lastSlotAtOrBefore,
  nextSlotAfter,
  previewSlots,
  slotsBetween,
} from '../../../lambdas/scheduling/slots';
import type { ScheduleTiming } from '../../../lambdas/scheduling/slots';
import { cron, epoch, interval, utc } from './schedule-fixtures';

const nextUtc = (s: ScheduleTiming, after: string): string | null => {
  const slot = nextSlotAfter(s, epoch(after));
  return slot === null ? null : utc(slot);
};

describe('nextSlotAfter: cron', () => {
  it('is strictly after the given instant, also when that instant is a slot', () => {
    const every15 = cron('*/15 * * * *');
    expect(nextUtc(every15, '2026-01-01T00:14:59Z')).toBe('2026-01-01T00:15:00Z');
    expect(nextUtc(every15, '2026-01-01T00:15:00Z')).toBe('2026-01-01T00:30:00Z');
    expect(nextSlotAfter(every15, epoch('2026-01-01T00:14:59Z') + 0.999)).toBe(epoch('2026-01-01T00:15:00Z'));
    expect(slotsBetween(every15, epoch('2026-01-01T00:00:00Z'), epoch('2026-01-01T01:00:00Z'), 10).map(utc)).toEqual([
      '2026-01-01T00:15:00Z',
      '2026-01-01T00:30:00Z',
      '2026-01-01T00:45:00Z',
      '2026-01-01T01:00:00Z',
    ]);
  });

  it('defaults the timezone to UTC', () => {
    expect(nextUtc({ mode: 'cron', cron_expression: '0 9 * * *' }, '2026-01-01T00:00:00Z')).toBe('2026-01-01T09:00:00Z');
  });

  it('evaluates the expression on the wall clock of the timezone', () => {
    expect(nextUtc(cron('0 9 * * *', 'America/New_York'), '2026-01-01T00:00:00Z')).toBe('2026-01-01T14:00:00Z');
    expect(nextUtc(cron('0 9 * * *', 'America/New_York'), '2026-07-01T00:00:00Z')).toBe('2026-07-01T13:00:00Z');
    expect(nextUtc(cron('0 9 * * *', 'Asia/Kolkata'), '2026-01-01T00:00:00Z')).toBe('2026-01-01T03:30:00Z');
  });

  it('handles day-of-week ranges (2026-01-02 is a Friday)', () => {
    expect(nextUtc(cron('0 9 * * 1-5', 'America/New_York'), '2026-01-02T15:00:00Z')).toBe('2026-01-05T14:00:00Z');
    expect(nextUtc(cron('0 9 * * mon-fri', 'America/New_York'), '2026-01-02T13:00:00Z')).toBe('2026-01-02T14:00:00Z');
  });

  it('handles month lists, steps and the last day of the month', () => {
    expect(nextUtc(cron('0 0 1 */3 *'), '2026-01-01T00:00:00Z')).toBe('2026-04-01T00:00:00Z');
    expect(nextUtc(cron('0 12 * feb sun'), '2026-03-01T00:00:00Z')).toBe('2027-02-07T12:00:00Z');
    expect(nextUtc(cron('0 0 L * *'), '2026-02-01T00:00:00Z')).toBe('2026-02-28T00:00:00Z');
    expect(nextUtc(cron('0 0 29 2 *'), '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00Z');
  });

  it('fires on day-of-month OR day-of-week when both are restricted (Vixie cron)', () => {
    // 13th of the month or any Friday: Fri 2026-02-06, then the 13th (also a Friday), then Fri 20th.
    expect(slotsBetween(cron('0 0 13 * 5'), epoch('2026-02-01T00:00:00Z'), epoch('2026-02-21T00:00:00Z'), 10).map(utc)).toEqual([
      '2026-02-06T00:00:00Z',
      '2026-02-13T00:00:00Z',
      '2026-02-20T00:00:00Z',
    ]);
  });

  it('never fires before start_at and includes a slot exactly at start_at', () => {
    const s = cron('0 * * * *', 'UTC', { start_at: '2026-01-01T05:00:00Z' });
    expect(nextUtc(s, '2026-01-01T00:00:00Z')).toBe('2026-01-01T05:00:00Z');
    const offGrid = cron('0 * * * *', 'UTC', { start_at: '2026-01-01T05:00:01Z' });
    expect(nextUtc(offGrid, '2026-01-01T00:00:00Z')).toBe('2026-01-01T06:00:00Z');
  });

  it('includes a slot exactly at end_at and returns null past it', () => {
    const s = cron('0 * * * *', 'UTC', { end_at: '2026-01-01T05:00:00Z' });
    expect(nextUtc(s, '2026-01-01T04:30:00Z')).toBe('2026-01-01T05:00:00Z');
    expect(nextUtc(s, '2026-01-01T05:00:00Z')).toBeNull();
    expect(nextUtc(cron('0 * * * *', 'UTC', { end_at: '2026-01-01T05:59:59Z' }), '2026-01-01T05:00:00Z')).toBeNull();
  });
});

describe('nextSlotAfter: other modes', () => {
  it('manual schedules have no slots', () => {
    const manual: ScheduleTiming = { mode: 'manual' };
    expect(nextSlotAfter(manual, 0)).toBeNull();
    expect(lastSlotAtOrBefore(manual, 2e9)).toBeNull();
    expect(slotsBetween(manual, 0, 2e9, 10)).toEqual([]);
    expect(previewSlots(manual, 0, 3)).toEqual([]);
  });

  it('one_time fires once at start_at, only when it is still ahead', () => {
    const once: ScheduleTiming = { mode: 'one_time', start_at: '2026-05-01T09:00:00+02:00' };
    expect(nextUtc(once, '2026-05-01T06:59:59Z')).toBe('2026-05-01T07:00:00Z');
    expect(nextUtc(once, '2026-05-01T07:00:00Z')).toBeNull();
    expect(slotsBetween(once, 0, 2e9, 10).map(utc)).toEqual(['2026-05-01T07:00:00Z']);
  });

  it('interval without start_at is anchored at the Unix epoch', () => {
    expect(nextSlotAfter(interval(3600), 100)).toBe(3600);
    expect(nextSlotAfter(interval(3600), 3600)).toBe(7200);
    expect(nextUtc(interval(900), '2026-01-01T10:07:00Z')).toBe('2026-01-01T10:15:00Z');
    expect(lastSlotAtOrBefore(interval(3600), 7199)).toBe(3600);
  });

  it('interval with start_at is anchored there, starting at start_at', () => {
    const s = interval(600, { start_at: '2026-01-01T00:03:00Z' });
    expect(nextUtc(s, '2025-12-01T00:00:00Z')).toBe('2026-01-01T00:03:00Z');
    expect(nextUtc(s, '2026-01-01T00:03:00Z')).toBe('2026-01-01T00:13:00Z');
    expect(nextUtc(s, '2026-01-01T01:00:00Z')).toBe('2026-01-01T01:03:00Z');
    expect(lastSlotAtOrBefore(s, epoch('2026-01-01T00:02:59Z'))).toBeNull();
  });

  it('interval respects end_at', () => {
    const s = interval(600, { start_at: '2026-01-01T00:00:00Z', end_at: '2026-01-01T00:25:00Z' });
    expect(slotsBetween(s, 0, 2e9, 10).map(utc)).toEqual([
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:20:00Z',
    ]);
    expect(lastSlotAtOrBefore(s, 2e9)).toBe(epoch('2026-01-01T00:20:00Z'));
  });

  it('interval ignores the timezone: 3600 s apart across DST', () => {
    const s = interval(3600, { timezone: 'America/New_York' });
    const slots = slotsBetween(s, epoch('2026-03-08T00:00:00Z'), epoch('2026-03-09T00:00:00Z'), 100);
    expect(slots).toHaveLength(24);
    expect(slots.slice(1).map((t, i) => t - slots[i]!)).toEqual(Array(23).fill(3600));
  });
});

describe('lastSlotAtOrBefore', () => {
  it('returns the slot itself when given exactly a slot', () => {
    expect(lastSlotAtOrBefore(cron('*/15 * * * *'), epoch('2026-01-01T00:15:00Z'))).toBe(epoch('2026-01-01T00:15:00Z'));
    expect(lastSlotAtOrBefore(cron('*/15 * * * *'), epoch('2026-01-01T00:14:59Z'))).toBe(epoch('2026-01-01T00:00:00Z'));
  });

  it('respects start_at and end_at', () => {
    const s = cron('0 * * * *', 'UTC', { start_at: '2026-01-01T05:00:00Z', end_at: '2026-01-01T08:00:00Z' });
    expect(lastSlotAtOrBefore(s, epoch('2026-01-01T04:59:59Z'))).toBeNull();
    expect(lastSlotAtOrBefore(s, epoch('2026-02-01T00:00:00Z'))).toBe(epoch('2026-01-01T08:00:00Z'));
  });
});

describe('slotsBetween', () => {
  it('is bounded by limit', () => {
    expect(slotsBetween(cron('* * * * *'), 0, 2e9, 5)).toHaveLength(5);
    expect(slotsBetween(cron('* * * * *'), 0, 2e9, 0)).toEqual([]);
    expect(() => slotsBetween(cron('* * * * *'), 0, 2e9, -1)).toThrow(RangeError);
  });

  it('excludes from and includes to', () => {
    const s = cron('0 * * * *');
    expect(slotsBetween(s, epoch('2026-01-01T01:00:00Z'), epoch('2026-01-01T03:00:00Z'), 10).map(utc)).toEqual([
      '2026-01-01T02:00:00Z',
      '2026-01-01T03:00:00Z',
    ]);
  });
});

describe('previewSlots', () => {
  it('gives epoch, UTC and local ISO with the zone offset, from fromEpoch inclusive', () => {
    expect(previewSlots(cron('0 9 * * *', 'Europe/Berlin'), epoch('2026-03-28T08:00:00Z'), 2)).toEqual([
      { epoch: epoch('2026-03-28T08:00:00Z'), utc: '2026-03-28T08:00:00Z', local: '2026-03-28T09:00:00+01:00' },
      { epoch: epoch('2026-03-29T07:00:00Z'), utc: '2026-03-29T07:00:00Z', local: '2026-03-29T09:00:00+02:00' },
    ]);
  });

  it('formats UTC and half-hour zones', () => {
    expect(previewSlots(cron('0 0 * * *'), epoch('2026-01-01T00:00:00Z'), 1)[0]?.local).toBe('2026-01-01T00:00:00+00:00');
    expect(previewSlots(cron('0 0 * * *', 'Asia/Kolkata'), epoch('2026-01-01T00:00:00Z'), 1)[0]?.local).toBe(
      '2026-01-02T00:00:00+05:30',
    );
    expect(previewSlots(cron('0 0 * * *', 'America/St_Johns'), epoch('2026-01-01T00:00:00Z'), 1)[0]).toEqual({
      epoch: epoch('2026-01-01T03:30:00Z'),
      utc: '2026-01-01T03:30:00Z',
      local: '2026-01-01T00:00:00-03:30',
    });
  });
});

describe('invalid schedules', () => {
  it('throw InvalidScheduleTimingError carrying the issues', () => {
    const bad = cron('0 0 * * * *', 'Nowhere/Special');
    expect(() => nextSlotAfter(bad, 0)).toThrow(InvalidScheduleTimingError);
    try {
      nextSlotAfter(bad, 0);
    } catch (err) {
      expect((err as InvalidScheduleTimingError).issues.map((i) => i.path).sort()).toEqual(['cron_expression', 'timezone']);
    }
  });

  it('reject non-finite instants', () => {
    expect(() => nextSlotAfter(cron('* * * * *'), Number.NaN)).toThrow(RangeError);
  });
});
