import type { PlatformOptions } from '../local/platform';
import { withBenchPlatform } from './support';
import { measureApiLoad } from './scale/api-load';
import { measureBurst } from './scale/burst';
import { measureFlow2000 } from './scale/flow2000';
import { diamond, single } from './scale/shapes';

/*
 * Throughput under concurrency and scale (issue 12), each group on a platform of its own:
 * - burst: 60 runs of a 5-task diamond started at once by two organizations, 20 per executor
 *   (goal: settled ≤ 10 s, every run SUCCEEDED, every task run recorded, GET /v1/health
 *   p95 ≤ 250 ms throughout);
 * - api: 50 concurrent API clients for 20 s on POST /v1/runs and GET /v1/runs/{id};
 * - flow2000: a 2,000-task flow (the maximum) run to the end in step-functions mode;
 * - burst1000: 1,000 one-task runs started in a burst, all finishing.
 * BENCH_SCALE=burst,api picks groups (default burst,api; BENCH_SCALE_LARGE=1 adds the two that
 * take minutes, flow2000 and burst1000). BENCH_FUNCTION_THREADS=n hosts the functions on n worker
 * threads (0: in the platform's own thread, as the tests do); unset: 2, as `npm start` does.
 */
const DEFAULT_FUNCTION_THREADS = 2;
const GROUPS = ['burst', 'api', 'flow2000', 'burst1000'] as const;
type Group = (typeof GROUPS)[number];

function selectedGroups(): Group[] {
  const named = process.env.BENCH_SCALE;
  if (named !== undefined && named !== '') {
    const wanted = named.split(',');
    const unknown = wanted.filter((w) => !(GROUPS as readonly string[]).includes(w));
    if (unknown.length > 0) throw new Error(`BENCH_SCALE: unknown group(s) ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
    return GROUPS.filter((g) => wanted.includes(g));
  }
  return process.env.BENCH_SCALE_LARGE === '1' ? [...GROUPS] : ['burst', 'api'];
}

function platformOptions(): Partial<PlatformOptions> {
  const threads = process.env.BENCH_FUNCTION_THREADS;
  if (threads === undefined || threads === '') return { functionThreads: DEFAULT_FUNCTION_THREADS };
  const n = Number(threads);
  if (!Number.isInteger(n) || n < 0) throw new Error(`BENCH_FUNCTION_THREADS=${threads} is not a whole number`);
  return { functionThreads: n };
}

export async function run(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const options = platformOptions();
  for (const group of selectedGroups()) {
    process.stderr.write(`  scale ${group}...\n`);
    const started = Date.now();
    const figures = await withBenchPlatform(async (platform) => {
      switch (group) {
        case 'burst':
          return measureBurst(platform, {
            perExecutor: { 'step-functions': 20, lambda: 20, ecs: 20 },
            orgs: 2,
            plan: 'team',
            flow: { name: 'diamond', spec: diamond() },
            timeoutMs: 300_000,
          });
        case 'api':
          return measureApiLoad(platform, 50, 20_000);
        case 'flow2000':
          return measureFlow2000(platform, 1_200_000);
        case 'burst1000':
          return measureBurst(platform, {
            perExecutor: { 'step-functions': 1000 },
            orgs: 2,
            plan: 'enterprise',
            flow: { name: 'one', spec: single() },
            timeoutMs: 1_200_000,
          });
      }
    }, options);
    process.stderr.write(`  scale ${group}: platform stopped\n`);
    results[group] = { ...figures, group_wall_ms: Date.now() - started };
  }
  return { ...results, function_threads: options.functionThreads };
}
