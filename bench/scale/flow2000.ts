import type { Platform } from '../../local/platform';
import { localStepFunctionsOf } from '../../local/step-functions/local-step-functions';
import { MAX_TASKS } from '../../lambdas/engine';
import { benchTenant, registerBenchFlow } from '../client';
import { historyEvents, HISTORY_EVENT_CAP } from './history';
import { verifyRuns, waitForExecutions } from './settle';
import { wideChains } from './shapes';

/**
 * The largest flow (MAX_TASKS = 2,000 tasks: 100 chains of 20, then a join) registered and run
 * to the end in step-functions mode: wall time, the platform process's peak RSS (sampled; the
 * bench hosts the platform, so it includes the bench's own few MB), and the Step Functions
 * history events each execution used against the 25,000 cap. Also: one task more is a 400.
 */
export async function measureFlow2000(platform: Platform, timeoutMs: number): Promise<Record<string, unknown>> {
  const tenant = await benchTenant(platform, 'enterprise');
  const spec = wideChains(MAX_TASKS, 100);
  const tr0 = performance.now();
  await registerBenchFlow(tenant, 'max', spec);
  const registerMs = performance.now() - tr0;
  const over = wideChains(MAX_TASKS + 1, 100);
  const refused = await tenant.api.post('/v1/flows', { flow_name: 'over', flow_version: '1', flow_spec: over });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const t0 = performance.now();
  try {
    const res = await tenant.api.post('/v1/runs', { flow_name: 'max', flow_version: '1', executor: 'step-functions' });
    if (res.status !== 202) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    const runId = String(res.body.run_id);
    const waited = await waitForExecutions(platform, [runId], timeoutMs);
    const wallMs = performance.now() - t0;
    const executions = localStepFunctionsOf(platform.emulator)
      .list()
      .filter((e) => e.name === runId || e.name.startsWith(`${runId}-`));
    const history = executions.map(historyEvents);
    const verified = await verifyRuns([{ api: tenant.api, runId }], spec.tasks.length);
    return {
      tasks: spec.tasks.length,
      register_ms: Math.round(registerMs),
      wall_ms: Math.round(wallMs),
      unfinished: waited.unfinished,
      ...verified,
      peak_rss_mb: Math.round(peakRss / 2 ** 20),
      executions: executions.length,
      state_transitions: executions.reduce((a, e) => a + e.transitions, 0),
      history_events_max_per_execution: Math.max(...history),
      history_events_total: history.reduce((a, b) => a + b, 0),
      history_event_cap: HISTORY_EVENT_CAP,
      over_limit_status: refused.status,
      over_limit_message: (refused.body as { error?: { details?: Array<{ message: string }> } }).error?.details?.[0]?.message ?? null,
    };
  } finally {
    clearInterval(sampler);
  }
}
