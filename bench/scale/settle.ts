import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Platform } from '../../local/platform';
import { localStepFunctionsOf } from '../../local/step-functions/local-step-functions';
import { percentile } from '../support';
import { benchApi, sleep, type BenchApi } from '../client';

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Resolves when every run's executions have ended, reading the local Step Functions' in-memory
 * list (no request to the platform, so waiting adds no load). A run's first execution is named
 * by its run id, its continuations `<run id>-<n>` (each started before the previous one ends);
 * a run still QUEUED has no execution yet and counts as unfinished.
 */
export async function waitForExecutions(
  platform: Platform,
  runIds: string[],
  timeoutMs: number,
): Promise<{ settledMs: number; unfinished: number; endedAt: Map<string, number> }> {
  const sfn = localStepFunctionsOf(platform.emulator);
  const t0 = performance.now();
  const pending = new Set(runIds);
  // When each run was first seen ended (performance.now(), to within the 50 ms poll).
  const endedAt = new Map<string, number>();
  for (;;) {
    const running = new Set<string>();
    const seen = new Set<string>();
    for (const e of sfn.list()) {
      const runId = pending.has(e.name) ? e.name : e.name.replace(/-\d+$/, '');
      if (!pending.has(runId)) continue;
      seen.add(runId);
      if (e.status === 'RUNNING') running.add(runId);
    }
    for (const runId of seen) {
      if (running.has(runId)) continue;
      pending.delete(runId);
      if (!endedAt.has(runId)) endedAt.set(runId, performance.now());
    }
    if (pending.size === 0) return { settledMs: performance.now() - t0, unfinished: 0, endedAt };
    if (performance.now() - t0 > timeoutMs) return { settledMs: performance.now() - t0, unfinished: pending.size, endedAt };
    await sleep(50);
  }
}

/**
 * Every run's final status and task runs, read through the API (GET /v1/runs/{id} and its
 * task-runs pages, 8 runs at a time, after the runs have settled): what a client would see.
 */
export async function verifyRuns(
  runs: Array<{ api: BenchApi; runId: string; executor?: string }>,
  tasksPerRun: number,
): Promise<{
  runs_succeeded: number;
  runs_other: Record<string, number>;
  /** The first error message of each executor's unsuccessful runs (diagnosis). */
  run_errors: Record<string, string>;
  task_runs_recorded: number;
  task_runs_succeeded: number;
  task_runs_expected: number;
  /** Per executor, median of each run's wait to start (created → started) and its run time (started → completed). */
  run_phases_p50_ms: Record<string, { queued: number; running: number }>;
}> {
  const phases: Record<string, { queued: number[]; running: number[] }> = {};
  let succeeded = 0;
  const other: Record<string, number> = {};
  const errors: Record<string, string> = {};
  let recorded = 0;
  let taskSucceeded = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < runs.length) {
        const { api, runId, executor } = runs[next++]!;
        const run = await api.get(`/v1/runs/${runId}`);
        const status = run.status === 200 ? String(run.body.status) : `HTTP ${run.status}`;
        const at = (k: string) => Date.parse(String(run.body[k] ?? ''));
        if (Number.isFinite(at('started_at')) && Number.isFinite(at('completed_at'))) {
          const p = (phases[executor ?? 'run'] ??= { queued: [], running: [] });
          p.queued.push(at('started_at') - at('created_at'));
          p.running.push(at('completed_at') - at('started_at'));
        }
        if (status === 'SUCCEEDED') succeeded++;
        else {
          other[status] = (other[status] ?? 0) + 1;
          errors[`${executor ?? 'run'} ${status}`] ??= String(run.body.error_message ?? '');
        }
        let cursor: string | null = null;
        do {
          const page = await api.get(`/v1/runs/${runId}/task-runs?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
          if (page.status !== 200) throw new Error(`task runs of ${runId}: ${page.status} ${JSON.stringify(page.body)}`);
          const items = page.body.items as Array<{ status: string; error_message: string | null }>;
          recorded += items.length;
          taskSucceeded += items.filter((t) => t.status === 'SUCCEEDED').length;
          const failed = items.find((t) => t.status !== 'SUCCEEDED' && t.error_message !== null);
          if (failed !== undefined) errors[`${executor ?? 'run'} task ${failed.status}`] ??= failed.error_message ?? '';
          cursor = page.body.next_cursor as string | null;
        } while (cursor !== null);
      }
    }),
  );
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const run_phases_p50_ms = Object.fromEntries(Object.entries(phases).map(([e, p]) => [e, { queued: median(p.queued), running: median(p.running) }]));
  return {
    runs_succeeded: succeeded,
    runs_other: other,
    run_errors: errors,
    task_runs_recorded: recorded,
    task_runs_succeeded: taskSucceeded,
    task_runs_expected: runs.length * tasksPerRun,
    run_phases_p50_ms,
  };
}

/**
 * GET /v1/health again and again (one at a time, `gapMs` apart) until stopped, and the main
 * thread's event-loop delay meanwhile: how responsive the gateway stays under the load.
 */
export function startHealthProbe(platform: Platform, gapMs = 100): { stop(): Promise<Record<string, number>> } {
  const api = benchApi(platform.url);
  const latencies: number[] = [];
  // One DescribeTable straight to DynamoDB Local next to each health check (which sends 21 of
  // them and a HeadBucket): how much of the health latency is the store's own.
  const ddb: number[] = [];
  const describe = new DescribeTableCommand({ TableName: platform.resources.tables.Run });
  let errors = 0;
  let stopping = false;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loop = (async () => {
    while (!stopping) {
      const [res, ddbMs] = await Promise.all([
        api.get('/v1/health').catch(() => ({ status: 0, ms: NaN })),
        (async () => {
          const t0 = performance.now();
          await platform.dynamodb.send(describe);
          return performance.now() - t0;
        })().catch(() => NaN),
      ]);
      if (res.status === 200) latencies.push(res.ms);
      else errors++;
      ddb.push(ddbMs);
      await sleep(gapMs);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      loopDelay.disable();
      const sorted = [...latencies].sort((a, b) => a - b);
      const ns = (x: number) => round(x / 1e6);
      return {
        health_samples: sorted.length,
        health_errors: errors,
        health_p50_ms: round(percentile(sorted, 50)),
        health_p95_ms: round(percentile(sorted, 95)),
        health_max_ms: round(sorted[sorted.length - 1] ?? NaN),
        ddb_describe_table_p50_ms: round(percentile([...ddb].sort((a, b) => a - b), 50)),
        ddb_describe_table_p95_ms: round(percentile([...ddb].sort((a, b) => a - b), 95)),
        event_loop_delay_p50_ms: ns(loopDelay.percentile(50)),
        event_loop_delay_p99_ms: ns(loopDelay.percentile(99)),
        event_loop_delay_max_ms: ns(loopDelay.max),
      };
    },
  };
}

export function latencySummary(samples: number[]): { n: number; p50_ms: number; p99_ms: number; max_ms: number } {
  // A request that failed has no latency (NaN): it is counted as an error apart.
  const sorted = samples.filter(Number.isFinite).sort((a, b) => a - b);
  return { n: sorted.length, p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), max_ms: round(sorted[sorted.length - 1] ?? NaN) };
}
