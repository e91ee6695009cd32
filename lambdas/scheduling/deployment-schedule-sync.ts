// A deployment's `schedule` field (a 5-field cron, UTC) creates and keeps its Schedule in step:
// schedule_id `dep-<deployment_name>`, mode cron, target the deployment, enabled while the
// deployment is ACTIVE (PAUSED → disabled: out of the due index). The flows domain calls
// deploymentScheduleWrites at its one deployment-write place and adds the returned items to the
// same TransactWriteItems as the deployment itself, so the two never disagree.
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../shared/errors';
import { dueShardOf } from './schedule-repository';
import { initialSlot } from './schedule-timing';
import { DEPLOYMENT_SCHEDULE_PREFIX } from './schemas';
import { scheduleTimingIssues, type ScheduleTiming } from './slots';
import { UpdateBuilder } from '../shared/dynamo/update-builder';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The deployment fields the sync reads (a flows DeploymentRecord fits). */
export interface DeploymentScheduleSource {
  org_id: string;
  deployment_name: string;
  flow_name: string;
  /** 5-field cron expression evaluated in UTC, or null for a deployment run only on demand. */
  schedule: string | null;
  status: 'ACTIVE' | 'PAUSED' | (string & {});
}

export function deploymentScheduleId(deploymentName: string): string {
  return `${DEPLOYMENT_SCHEDULE_PREFIX}${deploymentName}`;
}

const DEPLOYMENT_TIMEZONE = 'UTC';

function timingOf(cron: string): ScheduleTiming {
  return { mode: 'cron', cron_expression: cron, timezone: DEPLOYMENT_TIMEZONE, catchup_policy: 'none' };
}

/** Problems of a deployment's `schedule` value, with paths under `schedule` (empty when fine). */
export function deploymentScheduleIssues(cron: string | null): Array<{ path: string; message: string }> {
  if (cron === null) return [];
  return scheduleTimingIssues(timingOf(cron)).map((issue) => ({
    path: 'schedule',
    message: issue.path === 'cron_expression' ? issue.message : `${issue.path}: ${issue.message}`,
  }));
}

export interface DeploymentScheduleSyncInput {
  /** The Schedule table's name. */
  scheduleTable: string;
  /** The deployment as it was (null: being created). */
  before: DeploymentScheduleSource | null;
  /** The deployment as it will be (null: being deleted). */
  after: DeploymentScheduleSource | null;
  nowEpoch: number;
  nowIso: string;
}

/**
 * The TransactWriteItems entries that bring the deployment's Schedule in step with `after`
 * (none when nothing the schedule depends on changed).
 * @throws ValidationError (path `schedule`) when after.schedule is not a valid cron expression.
 */
export function deploymentScheduleWrites(input: DeploymentScheduleSyncInput): TransactItem[] {
  const { before, after } = input;
  const ref = after ?? before;
  if (ref === null) return [];
  if (after !== null && before !== null && after.deployment_name !== before.deployment_name) {
    throw new Error('a deployment schedule follows one deployment: before and after must name the same deployment');
  }
  const key = { org_id: ref.org_id, schedule_id: deploymentScheduleId(ref.deployment_name) };
  const beforeCron = before?.schedule ?? null;
  const afterCron = after?.schedule ?? null;

  if (after === null || afterCron === null) {
    if (beforeCron === null) return [];
    // Deleted deployment or schedule removed: the managed schedule goes (a missing one is fine).
    return [
      {
        Delete: {
          TableName: input.scheduleTable,
          Key: key,
          ConditionExpression: 'attribute_not_exists(schedule_id) OR managed_by = :dep',
          ExpressionAttributeValues: { ':dep': 'deployment' },
        },
      },
    ];
  }

  const issues = deploymentScheduleIssues(afterCron);
  if (issues.length > 0) throw new ValidationError(issues);
  const enabled = after.status === 'ACTIVE';
  const wasEnabled = before !== null && before.status === 'ACTIVE';
  const cronChanged = afterCron !== beforeCron;
  if (!cronChanged && enabled === wasEnabled && before !== null && before.flow_name === after.flow_name) return [];

  // A new cron, or a deployment resumed, starts from now: paused time is not caught up.
  const restart = cronChanged || (enabled && !wasEnabled);
  const slot = initialSlot(timingOf(afterCron), input.nowEpoch);
  const b = new UpdateBuilder();
  b.set('flow_name', after.flow_name)
    .set('flow_key', `${after.org_id}#${after.flow_name}`)
    .set('deployment_name', after.deployment_name)
    .remove('flow_version')
    .set('mode', 'cron')
    .set('cron_expression', afterCron)
    .remove('interval_seconds')
    .set('timezone', DEPLOYMENT_TIMEZONE)
    .set('catchup_policy', 'none')
    .remove('start_at')
    .remove('end_at')
    .set('enabled', enabled)
    .set('managed_by', 'deployment')
    .set('updated_at', input.nowIso);
  const createdAt = b.name('created_at');
  const parameters = b.name('parameters');
  const version = b.name('version');
  const extra = [
    `${createdAt} = if_not_exists(${createdAt}, ${b.value(input.nowIso)})`,
    `${parameters} = if_not_exists(${parameters}, ${b.value({})})`,
    `${version} = if_not_exists(${version}, ${b.value(0)}) + ${b.value(1)}`,
  ];
  if (restart || slot.next_run_epoch === null) {
    b.set('next_run_epoch', slot.next_run_epoch).set('next_run_at', slot.next_run_at);
  } else {
    const nextEpoch = b.name('next_run_epoch');
    const nextAt = b.name('next_run_at');
    extra.push(`${nextEpoch} = if_not_exists(${nextEpoch}, ${b.value(slot.next_run_epoch)})`);
    extra.push(`${nextAt} = if_not_exists(${nextAt}, ${b.value(slot.next_run_at)})`);
  }
  b.set('due_shard', enabled && slot.next_run_epoch !== null ? dueShardOf(after.org_id, key.schedule_id) : null);
  const expression = b.expression().replace(/^SET /, `SET ${extra.join(', ')}, `);
  return [
    {
      Update: {
        TableName: input.scheduleTable,
        Key: key,
        UpdateExpression: expression,
        // Upsert: creates the schedule, or updates the one this deployment manages; never
        // overwrites a schedule somebody else made under the reserved id.
        ConditionExpression: `attribute_not_exists(schedule_id) OR ${b.eq('managed_by', 'deployment')}`,
        ...b.attributes(),
      },
    },
  ];
}
