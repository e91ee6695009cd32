import type { Platform } from '../../local/platform';
import { benchTenant, registerBenchFlow, type BenchResponse, type BenchTenant } from '../client';
import { latencySummary, startHealthProbe, verifyRuns, waitForExecutions } from './settle';
import type { FlowSpec } from '../../lambdas/engine';

export type Executor = 'step-functions' | 'lambda' | 'ecs';

/** Start requests in flight at once. */
const POST_CONCURRENCY = 100;

export interface BurstPlan {
  /** Runs per executor, spread evenly over the organizations. */
  perExecutor: Partial<Record<Executor, number>>;
  orgs: number;
  plan: 'team' | 'enterprise';
  flow: { name: string; spec: FlowSpec };
  timeoutMs: number;
}

/**
 * Starts every run of the plan at once (all POST /v1/runs in flight together), probes
 * GET /v1/health until the last execution has ended, then checks every run SUCCEEDED with every
 * task run recorded. `settle_ms` runs from the first POST to the last execution's end.
 */
export async function measureBurst(platform: Platform, plan: BurstPlan): Promise<Record<string, unknown>> {
  const tenants: BenchTenant[] = [];
  for (let i = 0; i < plan.orgs; i++) tenants.push(await benchTenant(platform, plan.plan));
  for (const t of tenants) await registerBenchFlow(t, plan.flow.name, plan.flow.spec);
  const tasksPerRun = plan.flow.spec.tasks.length;

  const starts: Array<{ tenant: BenchTenant; executor: Executor }> = [];
  for (const [executor, n] of Object.entries(plan.perExecutor) as Array<[Executor, number]>) {
    for (let i = 0; i < n; i++) starts.push({ tenant: tenants[i % tenants.length]!, executor });
  }
  // Idle health first: the reference the loaded figures are read against.
  const idle = startHealthProbe(platform, 20);
  await new Promise((r) => setTimeout(r, 1500));
  const idleHealth = await idle.stop();

  const progress = (line: string) => process.stderr.write(`    burst: ${line}\n`);
  progress(`starting ${starts.length} runs`);
  const probe = startHealthProbe(platform);
  // The probe stops whatever happens: a failure must not leave it polling a stopped platform.
  let measured;
  let loaded: Record<string, number> = {};
  try {
    const t0 = performance.now();
    // At most POST_CONCURRENCY requests in flight (all 60 of the small burst at once): 1,000
    // connections opened at once overflow the gateway's listen backlog, which measures the kernel.
    const responses: Array<{ tenant: BenchTenant; executor: Executor; res: BenchResponse }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(POST_CONCURRENCY, starts.length) }, async () => {
        while (next < starts.length) {
          const { tenant, executor } = starts[next++]!;
          const res = await tenant.api
            .post('/v1/runs', { flow_name: plan.flow.name, flow_version: '1', executor })
            .catch((error: unknown): BenchResponse => ({ status: 0, ms: NaN, body: { error: String(error) } }));
          responses.push({ tenant, executor, res });
        }
      }),
    );
    const admittedMs = performance.now() - t0;
    const refused = responses.filter((r) => r.res.status !== 202);
    const runs = responses.filter((r) => r.res.status === 202).map((r) => ({ api: r.tenant.api, runId: String(r.res.body.run_id), executor: r.executor }));
    progress(`all ${starts.length} started in ${Math.round(admittedMs)} ms; waiting for them to end`);
    const waited = await waitForExecutions(platform, runs.map((r) => r.runId), plan.timeoutMs);
    const settleMs = performance.now() - t0;
    progress(`settled in ${Math.round(settleMs)} ms (${waited.unfinished} unfinished); verifying`);
    // When each executor's last run ended: which executor is the burst's tail.
    const settleByExecutor: Record<string, number> = {};
    for (const r of runs) {
      const ended = waited.endedAt.get(r.runId);
      if (ended !== undefined) settleByExecutor[r.executor] = Math.max(settleByExecutor[r.executor] ?? 0, Math.round(ended - t0));
    }
    measured = { admittedMs, refused, runs, waited, settleMs, responses, settleByExecutor };
  } finally {
    loaded = await probe.stop();
  }
  const { admittedMs, refused, runs, waited, settleMs, responses, settleByExecutor } = measured;
  const verified = await verifyRuns(runs, tasksPerRun);
  return {
    runs: starts.length,
    orgs: plan.orgs,
    plan: plan.plan,
    tasks_per_run: tasksPerRun,
    per_executor: plan.perExecutor,
    settle_ms: Math.round(settleMs),
    settle_ms_by_executor: settleByExecutor,
    task_runs_per_s: Math.round((verified.task_runs_succeeded / (settleMs / 1000)) * 10) / 10,
    all_posted_ms: Math.round(admittedMs),
    post_latency: latencySummary(responses.map((r) => r.res.ms)),
    refused: refused.length,
    ...(refused.length > 0 ? { refused_example: refused[0]!.res.body } : {}),
    unfinished_executions: waited.unfinished,
    ...verified,
    ...loaded,
    idle_health_p50_ms: idleHealth.health_p50_ms,
    idle_health_p95_ms: idleHealth.health_p95_ms,
  };
}
