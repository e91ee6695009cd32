import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deploymentScheduleWrites } from '../scheduling/deployment-schedule-sync';
import { ConflictError } from '../shared/errors';
import { auditOp } from './audit';
import type { DeploymentRecord, DeploymentRepository } from './deployment-repository';
import type { EnvironmentRepository } from './environment-repository';
import type { FlowRepository } from './flow-repository';
import { isAdmin, type Actor } from './request-context';
import { ConcurrentChangeError, transact, type TxOp } from '../shared/dynamo/transact';

export interface DeploymentWriteDeps {
  ddb: DynamoDBDocumentClient;
  deployments: DeploymentRepository;
  environments: EnvironmentRepository;
  flows: FlowRepository;
  auditTable: string;
  /** The Schedule table, where a deployment's `schedule` keeps its managed Schedule item. */
  scheduleTable: string;
}

/** One change of one deployment: create (before null), update, or delete (after null). */
export interface DeploymentChange {
  action: 'create' | 'update' | 'delete' | 'promote';
  before: DeploymentRecord | null;
  after: DeploymentRecord | null;
}

/** What the API shows of a deployment (and audit records keep): every field but the org. */
export function deploymentView(record: DeploymentRecord) {
  const { org_id: _org, ...view } = record;
  return view;
}

const concurrent = () => new ConcurrentChangeError();
const scheduleTaken = (name: string) => () =>
  new ConflictError(`a schedule not managed by deployment ${name} already uses its schedule id`, 'schedule_id_taken');

/**
 * The one place that writes deployments: every create, update, pause, resume, promotion and
 * delete builds its TransactWriteItems here, so whatever must change with a deployment (its
 * environments' deployment counts, the pinned version's ACTIVE check, its audit record, and any
 * item kept in step with its schedule) lands in the same all-or-nothing transaction.
 */
export function deploymentTransaction(deps: DeploymentWriteDeps, actor: Actor, change: DeploymentChange, nowIso: string): TxOp[] {
  const { before, after } = change;
  const subject = after ?? before;
  if (subject === null) throw new Error('a deployment change needs a before or an after');
  const ops: TxOp[] = [];

  if (after !== null) {
    ops.push({
      item: deps.deployments.put(after, before === null ? null : before.deployment_version),
      onConditionFailed: before === null ? () => new ConflictError(`deployment ${after.deployment_name} already exists`, 'deployment_exists') : concurrent,
    });
  } else {
    ops.push({ item: deps.deployments.delete(before!), onConditionFailed: concurrent });
  }

  // A (re)pinned version must still be ACTIVE when the write lands, not only when it was read.
  if (after !== null && (before === null || before.flow_name !== after.flow_name || before.flow_version !== after.flow_version)) {
    ops.push({ item: deps.flows.isActiveCheck(after.org_id, after.flow_name, after.flow_version), onConditionFailed: concurrent });
  }

  // Each environment involved: its deployment count moves with the binding, it must exist, and
  // for non-admins it must still be unprotected when the write lands.
  const envs = new Set([before?.environment, after?.environment].filter((e): e is string => e !== undefined));
  for (const env of envs) {
    const delta = (after?.environment === env ? 1 : 0) - (before?.environment === env ? 1 : 0);
    ops.push({ item: deps.environments.bindDeployments(subject.org_id, env, delta, isAdmin(actor)), onConditionFailed: concurrent });
  }

  // The deployment's managed Schedule (schedule_id dep-<name>) follows its schedule and status.
  const scheduleItems = deploymentScheduleWrites({
    scheduleTable: deps.scheduleTable,
    before,
    after,
    nowEpoch: Math.floor(Date.parse(nowIso) / 1000),
    nowIso,
  });
  for (const item of scheduleItems) ops.push({ item, onConditionFailed: scheduleTaken(subject.deployment_name) });

  ops.push(
    auditOp(deps.auditTable, actor, {
      resource_type: 'deployment',
      resource_id: subject.deployment_name,
      action: change.action,
      before: before === null ? null : deploymentView(before),
      after: after === null ? null : deploymentView(after),
    }, nowIso),
  );
  return ops;
}

export async function writeDeploymentChange(deps: DeploymentWriteDeps, actor: Actor, change: DeploymentChange, nowIso: string): Promise<void> {
  await transact(deps.ddb, deploymentTransaction(deps, actor, change, nowIso));
}
