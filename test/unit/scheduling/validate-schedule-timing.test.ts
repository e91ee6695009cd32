import { scheduleTimingIssues } from '../../../lambdas/scheduling/slots';
import type { ScheduleTimingInput } from '../../../lambdas/scheduling/slots';

const paths = (input: ScheduleTimingInput, prefix?: string): string[] =>
  scheduleTimingIssues(input, prefix).map((i) => i.path);

describe('scheduleTimingIssues', () => {
  it.each<[string, ScheduleTimingInput]>([
    ['cron', { mode: 'cron', cron_expression: '30 2 * * 1-5', timezone: 'America/New_York', catchup_policy: 'all' }],
    ['cron with month names and L', { mode: 'cron', cron_expression: '0 0 L jan,jul *' }],
    ['interval', { mode: 'interval', interval_seconds: 60, start_at: '2026-01-01T00:00:00Z' }],
    ['one_time', { mode: 'one_time', start_at: '2026-01-01T09:00:00+05:30', catchup_policy: 'none' }],
    ['manual', { mode: 'manual' }],
    ['bounded window', { mode: 'manual', start_at: '2026-01-01T00:00:00Z', end_at: '2026-01-01T00:00:01Z' }],
    ['nulls from DynamoDB', { mode: 'interval', interval_seconds: 300, timezone: null, end_at: null }],
  ])('accepts a valid %s schedule', (_name, input) => {
    expect(scheduleTimingIssues(input)).toEqual([]);
  });

  it('rejects an unknown mode', () => {
    expect(paths({ mode: 'weekly' })).toEqual(['mode']);
  });

  it('requires cron_expression for cron schedules', () => {
    expect(scheduleTimingIssues({ mode: 'cron' })).toEqual([
      { path: 'cron_expression', message: 'is required for cron schedules' },
    ]);
  });

  it.each([
    ['too few fields', '* * * *'],
    ['too many fields', '0 0 1 1 * 2030 x'],
    ['a macro', '@daily'],
    ['out of range minute', '61 * * * *'],
    ['garbage', 'a b c d e'],
    ['an impossible date', '0 0 30 2 *'],
    ['a hashed value', 'H 2 * * *'],
    ['empty text', '   '],
  ])('rejects %s', (_name, expression) => {
    expect(paths({ mode: 'cron', cron_expression: expression })).toEqual(['cron_expression']);
  });

  it('rejects a 6-field expression (seconds) with a specific message', () => {
    const [issue] = scheduleTimingIssues({ mode: 'cron', cron_expression: '0 30 2 * * *' });
    expect(issue?.message).toMatch(/seconds field is not supported/);
  });

  it('rejects a non-string cron_expression', () => {
    expect(paths({ mode: 'cron', cron_expression: 5 })).toEqual(['cron_expression']);
  });

  it.each(['Mars/Olympus_Mons', '+05:00', '', 7])('rejects timezone %p', (timezone) => {
    expect(paths({ mode: 'manual', timezone })).toEqual(['timezone']);
  });

  it.each(['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Calcutta'])('accepts timezone %s', (timezone) => {
    expect(paths({ mode: 'manual', timezone })).toEqual([]);
  });

  it.each([
    ['missing', undefined, 'is required for interval schedules'],
    ['under 60 s', 59, 'must be at least 60'],
    ['fractional', 90.5, 'must be a whole number of seconds'],
    ['a string', '120', 'must be a whole number of seconds'],
  ])('rejects interval_seconds %s', (_name, interval_seconds, message) => {
    expect(scheduleTimingIssues({ mode: 'interval', interval_seconds })).toEqual([
      { path: 'interval_seconds', message },
    ]);
  });

  it.each([
    'yesterday',
    '2026-03-08T02:30:00', // no offset: would be read in the server's zone
    '2026-02-30T00:00:00Z', // Date.parse rolls this over to March
    '2026-01-01T24:00:00Z',
    '2026-01-01',
  ])('rejects the timestamp %s', (start_at) => {
    expect(paths({ mode: 'manual', start_at, end_at: start_at })).toEqual(['start_at', 'end_at']);
  });

  it('rejects end_at before or equal to start_at, comparing instants not text', () => {
    expect(paths({ mode: 'manual', start_at: '2026-01-01T10:00:00Z', end_at: '2026-01-01T09:00:00Z' })).toEqual([
      'end_at',
    ]);
    // Same instant written in two offsets.
    expect(paths({ mode: 'manual', start_at: '2026-01-01T10:00:00Z', end_at: '2026-01-01T11:00:00+01:00' })).toEqual([
      'end_at',
    ]);
  });

  it('requires start_at (the fire time) for one_time schedules', () => {
    expect(scheduleTimingIssues({ mode: 'one_time' })).toEqual([
      { path: 'start_at', message: 'is required for one_time schedules (it is the fire time)' },
    ]);
  });

  it("rejects catchup_policy 'all' on a one_time schedule", () => {
    expect(paths({ mode: 'one_time', start_at: '2026-01-01T00:00:00Z', catchup_policy: 'all' })).toEqual([
      'catchup_policy',
    ]);
  });

  it('rejects an unknown catchup_policy', () => {
    expect(paths({ mode: 'manual', catchup_policy: 'some' })).toEqual(['catchup_policy']);
  });

  it('prefixes paths and reports every issue at once', () => {
    expect(
      paths(
        { mode: 'cron', cron_expression: '* * *', timezone: 'Nowhere', start_at: 'x', end_at: 'y' },
        'schedule',
      ).sort(),
    ).toEqual(['schedule.cron_expression', 'schedule.end_at', 'schedule.start_at', 'schedule.timezone']);
  });
});
