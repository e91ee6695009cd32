import { DUE_SHARDS, dueShardOf, toScheduleItem, toStoredSchedule } from '../../../lambdas/scheduling/schedule-repository';
import type { ScheduleRecord } from '../../../lambdas/scheduling/schedule-record';
import { initialSlot, neverFiresIssues } from '../../../lambdas/scheduling/schedule-timing';
import { epoch } from './schedule-fixtures';

const record = (over: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
  org_id: 'org-1',
  schedule_id: 'nightly',
  flow_name: 'etl',
  flow_version: '1.0.0',
  deployment_name: null,
  mode: 'cron',
  enabled: true,
  cron_expression: '0 2 * * *',
  interval_seconds: null,
  timezone: 'UTC',
  catchup_policy: 'none',
  parameters: { day: 'x' },
  start_at: null,
  end_at: null,
  next_run_epoch: 100,
  next_run_at: '1970-01-01T00:01:40Z',
  last_triggered_at: null,
  last_slot_at: null,
  last_skipped_at: null,
  last_skipped_slot_at: null,
  last_skip_reason: null,
  last_error: null,
  last_error_at: null,
  managed_by: null,
  created_at: 'c',
  updated_at: 'u',
  version: 3,
  ...over,
});

describe('schedule items', () => {
  it('carry the due shard only while enabled with a next slot (the sparse due index)', () => {
    expect(toScheduleItem(record()).due_shard).toBe(dueShardOf('org-1', 'nightly'));
    expect(toScheduleItem(record({ enabled: false }))).not.toHaveProperty('due_shard');
    expect(toScheduleItem(record({ next_run_epoch: null, next_run_at: null }))).not.toHaveProperty('due_shard');
    expect(toScheduleItem(record()).flow_key).toBe('org-1#etl');
  });

  it('round-trip through the item shape, without a lease', () => {
    expect(toStoredSchedule(toScheduleItem(record()))).toEqual({ schedule: record(), lease: null });
    const leased = toStoredSchedule({ ...toScheduleItem(record()), claim_token: 't', claim_expires_epoch: 9, claim_horizon_epoch: 8 });
    expect(leased.lease).toEqual({ token: 't', expires_epoch: 9, horizon_epoch: 8 });
  });

  it('spread over the 8 shards: stable, every shard used, none hot', () => {
    expect(DUE_SHARDS).toHaveLength(8);
    expect(dueShardOf('org-1', 'a')).toBe(dueShardOf('org-1', 'a'));
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const shard = dueShardOf(`org-${i % 37}`, `sch_${i}`);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...DUE_SHARDS].sort());
    for (const n of counts.values()) expect(n).toBeGreaterThan(1000);
    for (const n of counts.values()) expect(n).toBeLessThan(1500);
  });
});

describe('initialSlot', () => {
  const now = epoch('2026-05-04T10:20:00Z');
  it('is the first slot at or after now (no catch-up for a new schedule)', () => {
    expect(initialSlot({ mode: 'cron', cron_expression: '20 10 * * *' }, now)).toEqual({ next_run_epoch: now, next_run_at: '2026-05-04T10:20:00Z' });
    expect(initialSlot({ mode: 'interval', interval_seconds: 3600, start_at: '2026-05-01T00:30:00Z', catchup_policy: 'all' }, now).next_run_at).toBe('2026-05-04T10:30:00Z');
    expect(initialSlot({ mode: 'manual' }, now)).toEqual({ next_run_epoch: null, next_run_at: null });
  });

  it('a one_time schedule fires at start_at; a few seconds late is still fired, long past is never', () => {
    expect(initialSlot({ mode: 'one_time', start_at: '2026-05-04T10:19:30Z' }, now).next_run_at).toBe('2026-05-04T10:19:30Z');
    const past = { mode: 'one_time' as const, start_at: '2026-05-04T09:00:00Z' };
    const slot = initialSlot(past, now);
    expect(slot.next_run_epoch).toBeNull();
    expect(neverFiresIssues(past, slot)).toEqual([{ path: 'start_at', message: expect.stringContaining('past') }]);
    const ended = { mode: 'cron' as const, cron_expression: '0 * * * *', end_at: '2026-05-01T00:00:00Z' };
    expect(neverFiresIssues(ended, initialSlot(ended, now))).toEqual([{ path: 'end_at', message: expect.stringContaining('past') }]);
  });
});
