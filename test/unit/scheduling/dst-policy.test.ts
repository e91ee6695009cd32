// The DST policy written at the top of lambdas/scheduling/slots/next-slot.ts, pinned.
import { lastSlotAtOrBefore, nextSlotAfter, previewSlots, slotsBetween } from '../../../lambdas/scheduling/slots';
import type { ScheduleTiming } from '../../../lambdas/scheduling/slots';
import { cron, epoch, utc } from './schedule-fixtures';

/** Slots fired during one local calendar day, given that day's bounds in UTC. */
function slotsOnLocalDay(s: ScheduleTiming, dayStartUtc: string, nextDayStartUtc: string): number[] {
  return slotsBetween(s, epoch(dayStartUtc) - 1, epoch(nextDayStartUtc) - 1, 1000);
}

const localTimes = (s: ScheduleTiming, slots: number[]): string[] =>
  slots.map((t) => previewSlots(s, t, 1)[0]!.local.slice(11));

describe('America/New_York, spring forward on 2026-03-08 (02:00 EST -> 03:00 EDT)', () => {
  const ny = (expr: string): ScheduleTiming => cron(expr, 'America/New_York');

  it('`30 2 * * *` fires once, at 03:00 EDT, the first valid instant after the gap', () => {
    const s = ny('30 2 * * *');
    expect(slotsBetween(s, epoch('2026-03-06T12:00:00Z'), epoch('2026-03-10T12:00:00Z'), 10).map(utc)).toEqual([
      '2026-03-07T07:30:00Z', // 02:30 EST
      '2026-03-08T07:00:00Z', // 03:00 EDT (02:30 does not exist)
      '2026-03-09T06:30:00Z', // 02:30 EDT
      '2026-03-10T06:30:00Z',
    ]);
    expect(previewSlots(s, epoch('2026-03-08T00:00:00Z'), 1)[0]?.local).toBe('2026-03-08T03:00:00-04:00');
  });

  it('the answer does not depend on where the search starts (cron-parser tz mode does)', () => {
    const s = ny('30 2 * * *');
    for (const after of ['2026-03-08T05:00:00Z', '2026-03-08T06:59:59Z', '2026-03-08T06:30:00Z']) {
      expect(nextSlotAfter(s, epoch(after))).toBe(epoch('2026-03-08T07:00:00Z'));
    }
    // cron-parser's prev() skips the spring-forward day; ours does not.
    expect(lastSlotAtOrBefore(s, epoch('2026-03-08T12:00:00Z'))).toBe(epoch('2026-03-08T07:00:00Z'));
    expect(lastSlotAtOrBefore(s, epoch('2026-03-08T06:59:59Z'))).toBe(epoch('2026-03-07T07:30:00Z'));
  });

  it('several wall times inside the gap collapse into one run at 03:00 EDT', () => {
    const s = ny('*/20 2 * * *');
    expect(slotsOnLocalDay(s, '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z').map(utc)).toEqual([
      '2026-03-08T07:00:00Z',
    ]);
    expect(nextSlotAfter(s, epoch('2026-03-08T07:10:00Z'))).toBe(epoch('2026-03-09T06:00:00Z'));
  });

  it('a gap slot never swallows a later real slot; one at the jump is the same run', () => {
    expect(slotsOnLocalDay(ny('30 2,3 * * *'), '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z').map(utc)).toEqual([
      '2026-03-08T07:00:00Z', // 02:30 -> 03:00 EDT
      '2026-03-08T07:30:00Z', // 03:30 EDT
    ]);
    expect(slotsOnLocalDay(ny('0 2,3 * * *'), '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z').map(utc)).toEqual([
      '2026-03-08T07:00:00Z',
    ]);
  });

  it('`0 * * * *` fires 23 times, with no 02:00', () => {
    const s = ny('0 * * * *');
    const slots = slotsOnLocalDay(s, '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z');
    expect(slots).toHaveLength(23);
    expect(localTimes(s, slots.slice(0, 4))).toEqual(['00:00:00-05:00', '01:00:00-05:00', '03:00:00-04:00', '04:00:00-04:00']);
    expect(new Set(slots.slice(1).map((t, i) => t - slots[i]!))).toEqual(new Set([3600]));
  });

  it('`*/15 * * * *` keeps its 15-minute cadence in real time (92 runs)', () => {
    const slots = slotsOnLocalDay(ny('*/15 * * * *'), '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z');
    expect(slots).toHaveLength(92);
    expect(new Set(slots.slice(1).map((t, i) => t - slots[i]!))).toEqual(new Set([900]));
  });
});

describe('America/New_York, fall back on 2026-11-01 (02:00 EDT -> 01:00 EST)', () => {
  const ny = (expr: string): ScheduleTiming => cron(expr, 'America/New_York');

  it('`30 2 * * *` fires once at 02:30 EST (02:30 is not repeated in New York)', () => {
    const slots = slotsOnLocalDay(ny('30 2 * * *'), '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');
    expect(slots.map(utc)).toEqual(['2026-11-01T07:30:00Z']);
  });

  it('a repeated wall time (`30 1 * * *`) fires once, at its first occurrence (EDT)', () => {
    const s = ny('30 1 * * *');
    expect(slotsOnLocalDay(s, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z').map(utc)).toEqual([
      '2026-11-01T05:30:00Z',
    ]);
    expect(previewSlots(s, epoch('2026-11-01T00:00:00Z'), 1)[0]?.local).toBe('2026-11-01T01:30:00-04:00');
    // Asked from inside the second 01:00 hour (EST), the next run is tomorrow: no second firing.
    expect(nextSlotAfter(s, epoch('2026-11-01T06:00:00Z'))).toBe(epoch('2026-11-02T06:30:00Z'));
    // From 01:15 EST the latest run is 01:30 EDT, although its wall time is later than 01:15.
    expect(lastSlotAtOrBefore(s, epoch('2026-11-01T06:15:00Z'))).toBe(epoch('2026-11-01T05:30:00Z'));
  });

  it('`*/20 1 * * *` fires three times, all in the first 01:00 hour', () => {
    expect(slotsOnLocalDay(ny('*/20 1 * * *'), '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z').map(utc)).toEqual([
      '2026-11-01T05:00:00Z',
      '2026-11-01T05:20:00Z',
      '2026-11-01T05:40:00Z',
    ]);
  });

  it('`0 * * * *` covers all 24 hours, so it fires in both 01:00 hours: 25 runs', () => {
    const s = ny('0 * * * *');
    const slots = slotsOnLocalDay(s, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');
    expect(slots).toHaveLength(25);
    expect(localTimes(s, slots.slice(0, 4))).toEqual(['00:00:00-04:00', '01:00:00-04:00', '01:00:00-05:00', '02:00:00-05:00']);
    expect(new Set(slots.slice(1).map((t, i) => t - slots[i]!))).toEqual(new Set([3600]));
    // 24 distinct local wall times.
    expect(new Set(localTimes(s, slots).map((l) => l.slice(0, 8))).size).toBe(24);
  });

  it('`0 0-23 * * *` counts as every hour too', () => {
    expect(slotsOnLocalDay(ny('0 0-23 * * *'), '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z')).toHaveLength(25);
  });

  it('`*/15 * * * *` keeps its cadence through the repeated hour (100 runs)', () => {
    const s = ny('*/15 * * * *');
    const slots = slotsOnLocalDay(s, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');
    expect(slots).toHaveLength(100);
    expect(new Set(slots.slice(1).map((t, i) => t - slots[i]!))).toEqual(new Set([900]));
    // Single lookups across the jump back, where wall time and real time run in opposite directions.
    expect(nextSlotAfter(s, epoch('2026-11-01T05:50:00Z'))).toBe(epoch('2026-11-01T06:00:00Z')); // 01:50 EDT -> 01:00 EST
    expect(lastSlotAtOrBefore(s, epoch('2026-11-01T06:10:00Z'))).toBe(epoch('2026-11-01T06:00:00Z')); // 01:10 EST
    expect(lastSlotAtOrBefore(s, epoch('2026-11-01T05:59:59Z'))).toBe(epoch('2026-11-01T05:45:00Z')); // 01:59 EDT
  });

  it('`0 1-3 * * *` (not every hour) fires 01:00 once', () => {
    expect(slotsOnLocalDay(ny('0 1-3 * * *'), '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z').map(utc)).toEqual([
      '2026-11-01T05:00:00Z', // 01:00 EDT
      '2026-11-01T07:00:00Z', // 02:00 EST
      '2026-11-01T08:00:00Z', // 03:00 EST
    ]);
  });
});

describe('Europe/Berlin', () => {
  const berlin = cron('30 2 * * *', 'Europe/Berlin');

  it('spring forward 2026-03-29 (02:00 CET -> 03:00 CEST): `30 2 * * *` fires once at 03:00 CEST', () => {
    expect(slotsBetween(berlin, epoch('2026-03-28T00:00:00Z'), epoch('2026-03-30T12:00:00Z'), 10).map(utc)).toEqual([
      '2026-03-28T01:30:00Z', // 02:30 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST
      '2026-03-30T00:30:00Z', // 02:30 CEST
    ]);
    expect(previewSlots(berlin, epoch('2026-03-29T00:00:00Z'), 1)[0]?.local).toBe('2026-03-29T03:00:00+02:00');
  });

  it('fall back 2026-10-25 (03:00 CEST -> 02:00 CET): `30 2 * * *` fires once at 02:30 CEST', () => {
    expect(slotsBetween(berlin, epoch('2026-10-24T00:00:00Z'), epoch('2026-10-26T12:00:00Z'), 10).map(utc)).toEqual([
      '2026-10-24T00:30:00Z', // 02:30 CEST
      '2026-10-25T00:30:00Z', // first 02:30 (CEST); not again at 01:30Z (CET)
      '2026-10-26T01:30:00Z', // 02:30 CET
    ]);
    expect(nextSlotAfter(berlin, epoch('2026-10-25T01:00:00Z'))).toBe(epoch('2026-10-26T01:30:00Z'));
  });
});

describe('other zones', () => {
  it('Australia/Lord_Howe has a 30-minute shift: 02:15 in the gap fires at 02:30 (+11:00)', () => {
    // 2026-10-04 02:00 +10:30 -> 02:30 +11:00.
    const s = cron('15 2 * * *', 'Australia/Lord_Howe');
    expect(previewSlots(s, epoch('2026-10-03T12:00:00Z'), 2).map((p) => p.local)).toEqual([
      '2026-10-04T02:30:00+11:00',
      '2026-10-05T02:15:00+11:00',
    ]);
  });

  it('America/Santiago springs forward at midnight: `0 0 * * *` fires at 01:00 that day', () => {
    // 2026-09-06 00:00 -04:00 -> 01:00 -03:00.
    const s = cron('0 0 * * *', 'America/Santiago');
    expect(previewSlots(s, epoch('2026-09-05T12:00:00Z'), 2).map((p) => p.local)).toEqual([
      '2026-09-06T01:00:00-03:00',
      '2026-09-07T00:00:00-03:00',
    ]);
  });
});
