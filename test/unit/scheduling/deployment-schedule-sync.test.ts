import { deploymentScheduleIssues, deploymentScheduleWrites, type DeploymentScheduleSource } from '../../../lambdas/scheduling/deployment-schedule-sync';
import { dueShardOf } from '../../../lambdas/scheduling/schedule-repository';
import { ValidationError } from '../../../lambdas/shared/errors';
import { epoch } from './schedule-fixtures';

const NOW = epoch('2026-05-04T10:20:00Z');
const deployment = (over: Partial<DeploymentScheduleSource> = {}): DeploymentScheduleSource => ({
  org_id: 'org-1',
  deployment_name: 'etl-prod',
  flow_name: 'etl',
  schedule: '0 * * * *',
  status: 'ACTIVE',
  ...over,
});
const writes = (before: DeploymentScheduleSource | null, after: DeploymentScheduleSource | null) =>
  deploymentScheduleWrites({ scheduleTable: 'schedules', before, after, nowEpoch: NOW, nowIso: new Date(NOW * 1000).toISOString() });

/** The SET/REMOVE assignments of an Update, by attribute name, with their values resolved. */
function assignments(update: { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> }) {
  const names = update.ExpressionAttributeNames ?? {};
  const values = update.ExpressionAttributeValues ?? {};
  const expr = update.UpdateExpression ?? '';
  const [setPart = '', removePart = ''] = expr.replace(/^SET /, '').split(' REMOVE ');
  const set: Record<string, string> = {};
  for (const clause of setPart.split(/, (?=#)/)) {
    const [lhs, rhs] = clause.split(' = ') as [string, string];
    set[names[lhs]!] = rhs.replace(/:v\d+/g, (ph) => JSON.stringify(values[ph])).replace(/#n\d+/g, (ph) => names[ph]!);
  }
  const removed = removePart === '' ? [] : removePart.split(', ').map((ph) => names[ph]!);
  return { set, removed };
}

describe('deploymentScheduleWrites', () => {
  it('creates the dep-<name> schedule for a new scheduled deployment: cron, UTC, in the due index', () => {
    const items = writes(null, deployment());
    expect(items).toHaveLength(1);
    const update = items[0]!.Update!;
    expect(update.Key).toEqual({ org_id: 'org-1', schedule_id: 'dep-etl-prod' });
    expect(update.ConditionExpression).toMatch(/^attribute_not_exists\(schedule_id\) OR #n\d+ = :v\d+$/);
    const { set, removed } = assignments(update);
    expect(set).toMatchObject({
      mode: '"cron"',
      cron_expression: '"0 * * * *"',
      timezone: '"UTC"',
      enabled: 'true',
      managed_by: '"deployment"',
      deployment_name: '"etl-prod"',
      flow_name: '"etl"',
      next_run_epoch: String(epoch('2026-05-04T11:00:00Z')),
      next_run_at: '"2026-05-04T11:00:00Z"',
      due_shard: JSON.stringify(dueShardOf('org-1', 'dep-etl-prod')),
      version: 'if_not_exists(version, 0) + 1',
    });
    expect(removed).toEqual(expect.arrayContaining(['flow_version', 'interval_seconds', 'start_at', 'end_at']));
  });

  it('writes nothing for an unscheduled deployment, or when nothing the schedule follows changed', () => {
    expect(writes(null, deployment({ schedule: null }))).toEqual([]);
    expect(writes(deployment(), deployment())).toEqual([]);
    expect(writes(deployment({ schedule: null }), deployment({ schedule: null }))).toEqual([]);
  });

  it('pausing disables it and takes it out of the due index, keeping its next slot', () => {
    const { set, removed } = assignments(writes(deployment(), deployment({ status: 'PAUSED' }))[0]!.Update!);
    expect(set.enabled).toBe('false');
    expect(removed).toContain('due_shard');
    expect(set.next_run_epoch).toBe(`if_not_exists(next_run_epoch, ${epoch('2026-05-04T11:00:00Z')})`);
  });

  it('resuming or a new cron starts from now (paused time is not caught up)', () => {
    const resumed = assignments(writes(deployment({ status: 'PAUSED' }), deployment())[0]!.Update!).set;
    expect(resumed).toMatchObject({ enabled: 'true', next_run_epoch: String(epoch('2026-05-04T11:00:00Z')) });
    const recron = assignments(writes(deployment(), deployment({ schedule: '30 10 * * *' }))[0]!.Update!).set;
    expect(recron).toMatchObject({ cron_expression: '"30 10 * * *"', next_run_epoch: String(epoch('2026-05-04T10:30:00Z')) });
  });

  it('deletes the managed schedule when the schedule is removed or the deployment deleted', () => {
    for (const items of [writes(deployment(), deployment({ schedule: null })), writes(deployment(), null)]) {
      expect(items).toHaveLength(1);
      expect(items[0]!.Delete).toMatchObject({
        Key: { org_id: 'org-1', schedule_id: 'dep-etl-prod' },
        ConditionExpression: 'attribute_not_exists(schedule_id) OR managed_by = :dep',
      });
    }
    expect(writes(deployment({ schedule: null }), null)).toEqual([]);
  });

  it('refuses an invalid cron with a 400 on `schedule`', () => {
    expect(() => writes(null, deployment({ schedule: '0 * * *' }))).toThrow(ValidationError);
    expect(deploymentScheduleIssues('every hour')).toEqual([{ path: 'schedule', message: expect.stringContaining('5 fields') }]);
    expect(deploymentScheduleIssues('*/5 * * * *')).toEqual([]);
    expect(deploymentScheduleIssues(null)).toEqual([]);
  });
});
