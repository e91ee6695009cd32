// Property tests: structural laws of the slot functions, and agreement with a brute-force oracle
// on windows around 2026 DST transitions of several zones.
import fc from 'fast-check';
import { dueSlots, lastSlotAtOrBefore, nextSlotAfter, slotsBetween } from '../../../lambdas/scheduling/slots';
import type { ScheduleTiming } from '../../../lambdas/scheduling/slots';
import { epoch } from './schedule-fixtures';
import { bruteForceCronSlots } from './slot-oracle';

const HOUR = 3600;
const DAY = 86_400;

/** [expression, fires in both copies of a repeated hour] */
const EXPRESSIONS: [string, boolean][] = [
  ['*/15 * * * *', true],
  ['0 * * * *', true],
  ['*/7 * * * *', true],
  ['10,40 * * * 0', true],
  ['30 2 * * *', false],
  ['30 1 * * *', false],
  ['*/20 1-3 * * *', false],
  ['0 2,3 * * *', false],
  ['* 1 * * *', false],
  ['0 0 * * *', false],
  ['15 2 * * 0', false],
  ['45 23 * * *', false],
];

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'America/Havana',
  'Pacific/Chatham',
  'Asia/Kolkata',
];

/** Days with a DST transition in at least one of ZONES (2026). */
const TRANSITION_DAYS = [
  '2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-09-27', '2026-10-04', '2026-10-25', '2026-11-01',
].map((d) => epoch(`${d}T00:00:00Z`));

/** An instant near a transition (most of the time) or anywhere in 2026. */
const instantArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...TRANSITION_DAYS), fc.integer({ min: -DAY, max: 2 * DAY })).map(([d, s]) => d + s) },
  { weight: 1, arbitrary: fc.integer({ min: epoch('2026-01-01T00:00:00Z'), max: epoch('2027-01-01T00:00:00Z') }) },
);

const iso = (t: number): string => new Date(t * 1000).toISOString();

/** Any valid schedule, with bounds placed around `base` so they matter. */
const scheduleArb = (base: number): fc.Arbitrary<ScheduleTiming> => {
  const bounds = fc.record({
    start: fc.option(fc.integer({ min: -DAY, max: DAY }), { nil: undefined }),
    end: fc.option(fc.integer({ min: 1, max: 3 * DAY }), { nil: undefined }),
  });
  const withBounds = (s: ScheduleTiming, b: { start?: number; end?: number }): ScheduleTiming => {
    const start = b.start === undefined ? undefined : base + b.start;
    const end = b.end === undefined ? undefined : (start ?? base) + b.end;
    return { ...s, start_at: start === undefined ? null : iso(start), end_at: end === undefined ? null : iso(end) };
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...EXPRESSIONS), fc.constantFrom(...ZONES), bounds).map(([[e], tz, b]) => withBounds({ mode: 'cron', cron_expression: e, timezone: tz }, b)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 60, max: 5 * HOUR }), bounds).map(([i, b]) => withBounds({ mode: 'interval', interval_seconds: i }, b)) },
    { weight: 1, arbitrary: fc.integer({ min: -DAY, max: DAY }).map((d): ScheduleTiming => ({ mode: 'one_time', start_at: iso(base + d) })) },
  );
};

const caseArb = instantArb.chain((base) =>
  fc.record({ base: fc.constant(base), schedule: scheduleArb(base), span: fc.integer({ min: 0, max: 2 * DAY }), limit: fc.integer({ min: 0, max: 60 }) }),
);

describe('slot laws', () => {
  it('slotsBetween is strictly increasing, inside (from, to] and bounded by limit', () => {
    fc.assert(
      fc.property(caseArb, ({ base, schedule, span, limit }) => {
        const slots = slotsBetween(schedule, base, base + span, limit);
        expect(slots.length).toBeLessThanOrEqual(limit);
        slots.forEach((t, i) => {
          expect(t).toBeGreaterThan(i === 0 ? base : slots[i - 1]!);
          expect(t).toBeLessThanOrEqual(base + span);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('nextSlotAfter(s, t) > t and lastSlotAtOrBefore(s, t) <= t, both within start_at/end_at', () => {
    fc.assert(
      fc.property(caseArb, ({ base, schedule }) => {
        const start = schedule.start_at ? Date.parse(schedule.start_at) / 1000 : -Infinity;
        const end = schedule.end_at ? Date.parse(schedule.end_at) / 1000 : Infinity;
        const next = nextSlotAfter(schedule, base);
        if (next !== null) {
          expect(next).toBeGreaterThan(base);
          expect(next).toBeGreaterThanOrEqual(start);
          expect(next).toBeLessThanOrEqual(end);
        }
        const last = lastSlotAtOrBefore(schedule, base);
        if (last !== null) {
          expect(last).toBeLessThanOrEqual(base);
          expect(last).toBeGreaterThanOrEqual(start);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('chaining nextSlotAfter equals slotsBetween', () => {
    fc.assert(
      fc.property(caseArb, ({ base, schedule, span, limit }) => {
        const chained: number[] = [];
        for (let t = nextSlotAfter(schedule, base); t !== null && t <= base + span && chained.length < limit; t = nextSlotAfter(schedule, t)) {
          chained.push(t);
        }
        expect(chained).toEqual(slotsBetween(schedule, base, base + span, limit));
      }),
      { numRuns: 100 },
    );
  });

  it('lastSlotAtOrBefore agrees with nextSlotAfter: no slot lies between neighbours', () => {
    fc.assert(
      fc.property(caseArb, ({ base, schedule, span }) => {
        const slots = slotsBetween(schedule, base, base + span, 20);
        slots.forEach((t, i) => {
          expect(lastSlotAtOrBefore(schedule, t)).toBe(t);
          if (i > 0) expect(lastSlotAtOrBefore(schedule, t - 1)).toBe(slots[i - 1]);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("dueSlots 'all', drained in chunks, fires exactly slotsBetween; 'none' fires the latest late slot", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 7 }), ({ base, schedule, span }, chunk) => {
        if (schedule.mode === 'one_time') return;
        const stored = nextSlotAfter(schedule, base - 1);
        const now = base + span;
        const owed = stored === null ? [] : slotsBetween(schedule, stored - 1, now, 100_000);
        // Small chunks, but at most ~30 calls so the test stays fast.
        const maxPerTick = Math.max(chunk, Math.ceil(owed.length / 30));
        const fired: number[] = [];
        let next = stored;
        for (let guard = 0; guard < 100; guard++) {
          const r = dueSlots({ ...schedule, catchup_policy: 'all' }, next, now, maxPerTick);
          expect(r.fire.length).toBeLessThanOrEqual(maxPerTick);
          fired.push(...r.fire);
          next = r.nextRunEpoch;
          if (!r.remaining) break;
        }
        expect(fired).toEqual(owed);
        expect(next).toBe(nextSlotAfter(schedule, now));

        const none = dueSlots({ ...schedule, catchup_policy: 'none' }, stored, now);
        const latest = lastSlotAtOrBefore(schedule, now);
        expect(none.fire).toEqual(stored !== null && latest !== null && latest >= stored ? [latest] : []);
        expect(none.nextRunEpoch).toBe(stored === null ? null : nextSlotAfter(schedule, now));
      }),
      { numRuns: 60 },
    );
  });
});

describe('cron slots match a minute-by-minute reference', () => {
  it('around DST transitions in many zones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS),
        fc.constantFrom(...ZONES),
        fc.constantFrom(...TRANSITION_DAYS),
        fc.integer({ min: -12 * HOUR, max: 12 * HOUR }),
        fc.integer({ min: 0, max: 28 * HOUR }),
        ([expression, everyHour], timezone, day, shift, probeOffset) => {
          const from = day + shift;
          const to = from + 28 * HOUR;
          const schedule: ScheduleTiming = { mode: 'cron', cron_expression: expression, timezone };
          const reference = bruteForceCronSlots(expression, timezone, everyHour, from, to);
          expect(slotsBetween(schedule, from, to, 10_000)).toEqual(reference);
          // Single lookups from an arbitrary instant inside the window agree too.
          const probe = from + probeOffset;
          const before = reference.filter((t) => t <= probe);
          const after = reference.filter((t) => t > probe);
          if (before.length > 0) expect(lastSlotAtOrBefore(schedule, probe)).toBe(before[before.length - 1]);
          if (after.length > 0) expect(nextSlotAfter(schedule, probe)).toBe(after[0]);
        },
      ),
      { numRuns: 30 },
    );
  });
});
