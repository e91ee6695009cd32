import type { Platform } from '../../local/platform';
import { benchTenant, registerBenchFlow, type BenchResponse, type BenchTenant } from '../client';
import { latencySummary } from './settle';
import { single } from './shapes';

/**
 * `clients` API clients at once for `durationMs`, each in a loop: POST /v1/runs (a one-task
 * step-functions flow), then GET /v1/runs/{id} of the run it started. Runs admitted go on
 * executing meanwhile (the API is measured under the work it creates); the organizations are on
 * the enterprise plan (200 runs at once, more wait QUEUED).
 */
export async function measureApiLoad(platform: Platform, clients = 50, durationMs = 20_000): Promise<Record<string, unknown>> {
  const tenants: BenchTenant[] = [await benchTenant(platform, 'enterprise'), await benchTenant(platform, 'enterprise')];
  for (const t of tenants) await registerBenchFlow(t, 'one', single());
  const post: number[] = [];
  const get: number[] = [];
  const errors: Record<string, number> = {};
  let admitted = 0;
  const error = (what: string, status: number) => {
    const key = `${what} ${status}`;
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const tenant = tenants[i % tenants.length]!;
      while (performance.now() < deadline) {
        const started = await tenant.api.post('/v1/runs', { flow_name: 'one', flow_version: '1', executor: 'step-functions' }).catch((): BenchResponse => ({ status: 0, ms: NaN, body: {} }));
        if (started.status !== 202) {
          error('POST /v1/runs', started.status);
          continue;
        }
        post.push(started.ms);
        admitted++;
        const read = await tenant.api.get(`/v1/runs/${String(started.body.run_id)}`).catch(() => ({ status: 0, ms: NaN }));
        if (read.status !== 200) error('GET /v1/runs/{id}', read.status);
        else get.push(read.ms);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    clients,
    duration_s: Math.round(seconds * 10) / 10,
    post_runs: latencySummary(post),
    get_run: latencySummary(get),
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    errors_by_request: errors,
    runs_admitted: admitted,
    runs_admitted_per_s: Math.round((admitted / seconds) * 10) / 10,
    requests_per_s: Math.round(((post.length + get.length) / seconds) * 10) / 10,
  };
}
