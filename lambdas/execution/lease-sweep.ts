import { DescribeExecutionCommand, ExecutionDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';
import { LEASE_SHARDS, type RunLease, type SubscriptionRepository } from '../billing/subscription-repository';
import { RUN_LEASE_SECONDS } from '../billing/plans';
import { isTerminalRunStatus } from '../engine';
import { epochSeconds, type Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { executionArnOf } from './run-execution-start';
import type { RunQueue } from './run-queue';
import type { RunRepository } from './run-repository';

export interface LeaseSweepDeps {
  subscriptions: SubscriptionRepository;
  runs: RunRepository;
  sfn: SFNClient;
  stateMachineArn: string;
  queue: Pick<RunQueue, 'promote'>;
  clock: Clock;
  logger: Logger;
}

export interface LeaseSweepReport {
  organizations: number;
  expired: number;
  renewed: number;
  released: number;
  promoted: number;
}

/**
 * Whether the leased run's execution still runs: read from the run (terminal: no) and then from
 * Step Functions (its current execution, or the one named after the run when none was stored).
 */
async function executionAlive(deps: LeaseSweepDeps, orgId: string, lease: RunLease): Promise<boolean> {
  const run = await deps.runs.get(orgId, lease.run_id, { consistent: true });
  if (run === null || isTerminalRunStatus(run.status)) return false;
  const executionArn = run.external_id ?? executionArnOf(deps.stateMachineArn, run.run_id);
  try {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return out.status === 'RUNNING';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist || (error instanceof Error && error.name === 'ExecutionDoesNotExist')) return false;
    throw error;
  }
}

/**
 * Every expired run slot lease: renewed when its run's execution still runs, released otherwise
 * (the execution crashed, was stopped outside Dagy, or never started), and then the org's
 * waiting runs take the freed slots. Run by the lease-sweeper-tick rule every minute.
 */
export async function sweepLeases(deps: LeaseSweepDeps): Promise<LeaseSweepReport> {
  const report: LeaseSweepReport = { organizations: 0, expired: 0, renewed: 0, released: 0, promoted: 0 };
  const now = epochSeconds(deps.clock);
  for (const shard of LEASE_SHARDS) {
    for (const subscription of await deps.subscriptions.withLeases(shard)) {
      report.organizations++;
      const expired = subscription.leases.filter((lease) => lease.expires_epoch <= now);
      let released = 0;
      for (const lease of expired) {
        report.expired++;
        try {
          if (await executionAlive(deps, subscription.org_id, lease)) {
            if (await deps.subscriptions.renewLease(subscription.org_id, lease, now + RUN_LEASE_SECONDS)) report.renewed++;
          } else if ((await deps.subscriptions.releaseLease(subscription.org_id, lease.run_id, lease.expires_epoch)) !== null) {
            released++;
            deps.logger.warn('expired run slot lease released', { org_id: subscription.org_id, run_id: lease.run_id });
          }
        } catch (error) {
          // One unreadable lease must not stop the sweep; the next tick looks again.
          deps.logger.error('lease sweep failed for a lease', { org_id: subscription.org_id, run_id: lease.run_id, error: error instanceof Error ? error.message : String(error) });
        }
      }
      // A deployment slot without its org lease (a release cut short between its two writes).
      const held = new Set(subscription.leases.map((l) => l.run_id));
      for (const orphan of subscription.deployment_leases.filter((d) => !held.has(d.run_id))) {
        if (await deps.subscriptions.removeOrphanDeploymentLease(subscription.org_id, orphan.deployment_name, orphan.run_id)) released++;
      }
      report.released += released;
      if (released > 0) report.promoted += (await deps.queue.promote(subscription.org_id)).length;
    }
  }
  return report;
}
