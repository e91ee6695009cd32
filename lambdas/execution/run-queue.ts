import { isTerminalRunStatus } from '../engine';
import { retryThrottled } from '../shared/dynamo/throttle-retry';
import type { RunAdmission } from '../billing/admission';
import type { Logger } from '../shared/logger';
import type { DeploymentRecord } from '../flows/deployment-repository';
import type { RunRecord, RunRepository } from './run-repository';

// Run queueing: a run holds an execution slot (a lease on the Subscription item, see
// lambdas/billing/subscription-repository.ts) from just before its StartExecution until its
// execution ends (Finalize), it is cancelled, or its lease expires (lease sweep). Without a free
// slot it waits QUEUED with a queued_reason; whoever frees a slot starts the oldest waiting runs
// (FIFO by creation), each with an idempotent StartExecution named after the run.

/** Waiting runs read per promotion (enough for any plan's concurrency step). */
const PROMOTE_BATCH = 50;

export interface RunQueueDeps {
  runs: RunRepository;
  deployments: { get(orgId: string, deploymentName: string): Promise<DeploymentRecord | null> };
  admission: RunAdmission;
  /** Starts a run's execution (startRunExecution): FAILED when Step Functions refuses it. */
  launch(run: RunRecord): Promise<RunRecord>;
  logger: Logger;
}

/** A deployment's own slot limit, when it sets max_concurrent_runs. */
export function deploymentSlots(deployment: Pick<DeploymentRecord, 'deployment_name' | 'max_concurrent_runs'> | null): { name: string; limit: number } | undefined {
  if (deployment === null || deployment.max_concurrent_runs === null) return undefined;
  return { name: deployment.deployment_name, limit: deployment.max_concurrent_runs };
}

export class RunQueue {
  constructor(private readonly deps: RunQueueDeps) {}

  /** Launches with the slot held; a launch that failed (run FAILED) gives the slot back at once. */
  private async launch(run: RunRecord): Promise<RunRecord> {
    const launched = await this.deps.launch(run);
    if (isTerminalRunStatus(launched.status)) await this.releaseAndPromote(launched);
    return launched;
  }

  /**
   * A new run (QUEUED, its task runs written): started when a slot is free, else left QUEUED with
   * the reason. Queued, it asks for a promotion at once: a slot may have freed between its acquire
   * and its mark, and the releaser may not have seen it waiting yet.
   */
  async startOrQueue(run: RunRecord, deployment: DeploymentRecord | null, orgLimit: number): Promise<RunRecord> {
    const own = deploymentSlots(deployment);
    const outcome = await retryThrottled(() => this.deps.admission.acquireSlot(run.org_id, run.run_id, orgLimit, own));
    // held: a retried start of a run whose slot an earlier attempt took.
    if (outcome === 'acquired' || outcome === 'held') return this.launch(run);
    const reason =
      outcome === 'org_full' || own === undefined
        ? `waiting for an execution slot: the plan allows ${orgLimit} concurrent runs`
        : `waiting for an execution slot: deployment ${own.name} allows ${own.limit} concurrent runs`;
    const marked = await retryThrottled(() => this.deps.runs.updateRunDetailed(run.org_id, run.run_id, { queued_reason: reason }, { status: ['QUEUED'] }));
    if (!marked.won) return marked.current ?? run;
    const started = await this.promote(run.org_id, { fresh: marked.run, limit: orgLimit });
    return started.find((r) => r.run_id === run.run_id) ?? marked.run;
  }

  /**
   * Starts waiting runs of the org, oldest first, while slots are free. A deployment at its own
   * limit is passed over (its runs keep their turn); the org's limit stops the promotion. `fresh`:
   * the caller's own just-marked run (the index read may not show its mark yet); `limit`: the
   * org's concurrency limit when the caller knows it (read otherwise); `launchHeldBefore` (the
   * run reconciler): also launch a waiting run that already holds its slot and has not moved
   * since then (its promoter died).
   */
  async promote(orgId: string, options: { fresh?: RunRecord; limit?: number; launchHeldBefore?: string } = {}): Promise<RunRecord[]> {
    const { runs, deployments, admission } = this.deps;
    const { fresh } = options;
    const limit = options.limit ?? (await admission.concurrencyLimit(orgId));
    const queued = await runs.listQueuedOldestFirst(orgId, PROMOTE_BATCH);
    if (fresh !== undefined) {
      const i = queued.findIndex((r) => r.run_id === fresh.run_id);
      if (i >= 0) queued[i] = fresh;
      else queued.push(fresh);
      queued.sort((a, b) => (a.created_at === b.created_at ? a.run_id.localeCompare(b.run_id) : a.created_at.localeCompare(b.created_at)));
    }
    const started: RunRecord[] = [];
    const fullDeployments = new Set<string>();
    const deploymentCache = new Map<string, DeploymentRecord | null>();
    for (const run of queued) {
      // Only runs that wait for a slot: a run still being created is started by its own starter.
      if (run.queued_reason === null || run.external_id !== null) continue;
      let deployment: DeploymentRecord | null = null;
      if (run.deployment_name !== null) {
        if (fullDeployments.has(run.deployment_name)) continue;
        if (!deploymentCache.has(run.deployment_name)) deploymentCache.set(run.deployment_name, await deployments.get(orgId, run.deployment_name));
        deployment = deploymentCache.get(run.deployment_name) ?? null;
      }
      const outcome = await retryThrottled(() => admission.acquireSlot(orgId, run.run_id, limit, deploymentSlots(deployment)));
      if (outcome === 'org_full') break;
      if (outcome === 'deployment_full') {
        fullDeployments.add(run.deployment_name ?? '');
        continue;
      }
      // Another promoter holds its slot: that one starts it. Unless that promoter died before it
      // could (its launch failed, its function timed out): a run that holds a slot and has not
      // moved since `launchHeldBefore` (the reconciler's threshold) is launched here; a launch is
      // idempotent (the execution is named after the run), so a promoter still at work is harmless.
      if (outcome === 'held' && (options.launchHeldBefore === undefined || run.updated_at >= options.launchHeldBefore)) continue;
      // The index may be behind: the run may have been started since by another promoter, and
      // even have ended and given its slot back. A slot taken for it then is nobody's and would
      // never be released (the queue stalls until the lease expires): read the run strongly, and
      // give such a slot back. A held slot of a run that is running is its own (its execution
      // gives it back).
      const now = await runs.get(orgId, run.run_id, { consistent: true });
      if (now === null || now.status !== 'QUEUED' || now.external_id !== null) {
        if (outcome !== 'held' || now === null || isTerminalRunStatus(now.status)) await retryThrottled(() => admission.releaseSlot(orgId, run.run_id));
        continue;
      }
      this.deps.logger.info(outcome === 'held' ? 'queued run holding a slot launched' : 'queued run promoted', { org_id: orgId, run_id: run.run_id });
      started.push(await this.launch(now));
    }
    return started;
  }

  /**
   * The run's execution ended (finalized, cancelled, failed to start): its slot frees and the next
   * waiting runs start. Promoted even when the run held no slot any more: a retried Finalize finds
   * its slot given back by the attempt before, whose promotion may have failed after the release.
   */
  async releaseAndPromote(run: Pick<RunRecord, 'org_id' | 'run_id'>): Promise<RunRecord[]> {
    const limit = await retryThrottled(() => this.deps.admission.releaseSlot(run.org_id, run.run_id));
    return this.promote(run.org_id, limit === null ? {} : { limit });
  }
}
