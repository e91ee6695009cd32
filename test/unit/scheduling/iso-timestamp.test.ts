import { epochToUtcIso, formatLocalIso, nextSlotAfter, parseIsoTimestampMs } from '../../../lambdas/scheduling/slots';

describe('parseIsoTimestampMs', () => {
  it('applies the offset', () => {
    expect(parseIsoTimestampMs('2026-03-08T03:30:00-04:00')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(parseIsoTimestampMs('2026-03-08T13:00+05:30')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(parseIsoTimestampMs('2026-03-08T07:30:00.250Z')).toBe(Date.UTC(2026, 2, 8, 7, 30, 0, 250));
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseIsoTimestampMs('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseIsoTimestampMs('2026-02-29T00:00:00Z')).toBeNull();
  });

  it.each(['2026-03-08 07:30:00Z', '2026-03-08T07:30:60Z', '2026-03-08T07:30:00+0100', '2026-13-01T00:00:00Z', ''])(
    'refuses %p',
    (text) => {
      expect(parseIsoTimestampMs(text)).toBeNull();
    },
  );
});

describe('ISO formatting', () => {
  it('formats UTC and local times without milliseconds', () => {
    expect(epochToUtcIso(Date.UTC(2026, 2, 8, 7, 30) / 1000)).toBe('2026-03-08T07:30:00Z');
    expect(formatLocalIso(Date.UTC(2026, 2, 8, 7, 30) / 1000, -4 * 3600)).toBe('2026-03-08T03:30:00-04:00');
    expect(formatLocalIso(0, 5.5 * 3600)).toBe('1970-01-01T05:30:00+05:30');
  });
});

describe('sub-second bounds', () => {
  it('a one_time start_at with milliseconds fires at the next whole second', () => {
    expect(nextSlotAfter({ mode: 'one_time', start_at: '2026-01-01T00:00:00.250Z' }, 0)).toBe(
      Date.UTC(2026, 0, 1, 0, 0, 1) / 1000,
    );
  });
});
