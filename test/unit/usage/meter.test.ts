import { runUsageEvent, taskUsageEvent, usageEventOf } from '../../../lambdas/usage/meter';
import type { RunStatusChangedDetail, TaskRunStatusChangedDetail } from '../../../lambdas/execution/run-events';
import { daysOf, isPeriod, periodOf } from '../../../lambdas/usage/period';

const run = (over: Partial<RunStatusChangedDetail> = {}): RunStatusChangedDetail => ({
  org_id: 'org-1',
  run_id: 'run-1',
  run_slug: 'brisk-falcon-0001',
  flow_name: 'etl',
  flow_version: '1.0.0',
  deployment_name: null,
  executor: 'step-functions',
  status: 'RUNNING',
  previous_status: 'QUEUED',
  trigger_type: 'manual',
  started_at: '2026-11-30T23:59:58.000Z',
  completed_at: null,
  error_message: null,
  cost_usd: null,
  occurred_at: '2026-11-30T23:59:58.100Z',
  ...over,
});

const task = (over: Partial<TaskRunStatusChangedDetail> = {}): TaskRunStatusChangedDetail => ({
  org_id: 'org-1',
  run_id: 'run-1',
  flow_name: 'etl',
  flow_version: '1.0.0',
  deployment_name: null,
  task_run_id: 'tr_1',
  task_name: 'extract',
  status: 'SUCCEEDED',
  previous_status: 'RUNNING',
  attempt: 2,
  executor: 'lambda',
  started_at: '2026-11-30T23:59:58.000Z',
  completed_at: '2026-12-01T00:00:01.500Z',
  error_message: null,
  output_ref: null,
  occurred_at: '2026-12-01T00:00:01.600Z',
  ...over,
});

describe('usage events from bus events', () => {
  it('a run start and a run end, with a deterministic id and the run\'s own times', () => {
    expect(runUsageEvent(run())).toMatchObject({ event_id: 'run_started:run-1', event_time: '2026-11-30T23:59:58.000Z', period: '2026-11', metrics: { runs_started: 1 } });
    const end = runUsageEvent(run({ status: 'FAILED', previous_status: 'RUNNING', completed_at: '2026-12-01T00:00:02.000Z', cost_usd: 0.0123 }));
    expect(end).toMatchObject({ event_id: 'run_finished:run-1', period: '2026-12', metrics: { runs_finished: 1, runs_failed: 1, cost_usd: 0.0123 } });
    expect(end!.attributes.duration_seconds).toBe(4);
    // A run that ended without a recorded cost adds no cost.
    expect(runUsageEvent(run({ status: 'CANCELLED', completed_at: '2026-12-01T00:00:02.000Z' }))!.metrics).toEqual({ runs_finished: 1, runs_cancelled: 1 });
    expect(runUsageEvent(run({ status: 'QUEUED', previous_status: null }))).toBeNull();
  });

  it('an attempt that ended: its seconds on its executor, in the period it ended', () => {
    const e = taskUsageEvent(task());
    expect(e).toMatchObject({ event_id: 'task_attempt:tr_1:2', period: '2026-12', metrics: { 'task_attempts.lambda': 1, 'task_seconds.lambda': 3.5 } });
    // A retry (→ PENDING) ends the attempt when the event was published.
    expect(taskUsageEvent(task({ status: 'PENDING', completed_at: null }))!.metrics['task_seconds.lambda']).toBeCloseTo(3.6, 9);
    expect(taskUsageEvent(task({ status: 'RUNNING', previous_status: 'PENDING' }))).toBeNull();
    expect(taskUsageEvent(task({ status: 'SKIPPED', previous_status: 'PENDING' }))).toBeNull();
    // An executor name that is not key-safe is not put in a metric name.
    expect(Object.keys(taskUsageEvent(task({ executor: 'a#b' }))!.metrics)).toEqual(['task_attempts.unknown', 'task_seconds.unknown']);
  });

  it('the same bus event always maps to the same usage event', () => {
    const bus = { source: 'dagy.execution', 'detail-type': 'Task Run Status Changed', detail: task() };
    expect(usageEventOf(bus)).toEqual(usageEventOf(JSON.parse(JSON.stringify(bus))));
    expect(usageEventOf({ ...bus, source: 'elsewhere' })).toBeNull();
  });
});

describe('periods', () => {
  it('YYYY-MM only, days of the month', () => {
    expect(['2026-11', '1999-01'].every(isPeriod)).toBe(true);
    expect(['2026-13', '2026-1', '2026-11-01', ''].some(isPeriod)).toBe(false);
    expect(daysOf('2028-02')).toHaveLength(29);
    expect(daysOf('2026-11')[29]).toBe('2026-11-30');
    expect(periodOf('2026-12-31T23:59:59.999Z')).toBe('2026-12');
  });
});
