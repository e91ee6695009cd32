import { createInterface } from 'node:readline/promises';
import { unwrap, type DagyApi } from './api/client';
import { EXIT } from './errors';
import { duration, table, type Output } from './output';

// `--watch`: polls the run until it ends. On a TTY, a live table of tasks (state, attempt,
// duration) and a progress bar redrawn in place; otherwise one plain line per change. Ctrl-C asks
// whether to cancel the run (on a TTY) or detaches (elsewhere), leaving the run as it is.

export interface RunDetail {
  run_id: string;
  flow_name: string;
  flow_version: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  error_message: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
  outputs: Record<string, unknown> | null;
  task_runs: { task_run_id: string; task_name: string; status: string; attempt: number; started_at: string | null; completed_at: string | null; error_message: string | null }[];
}

export const TERMINAL_RUN = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const DONE_TASK = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);

export function exitCodeOf(status: string): number {
  if (status === 'SUCCEEDED') return EXIT.ok;
  if (status === 'CANCELLED') return EXIT.cancelled;
  return EXIT.failure;
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

export function renderRun(run: RunDetail, now = Date.now()): string {
  const tasks = [...run.task_runs].sort((a, b) => (a.started_at ?? '~').localeCompare(b.started_at ?? '~') || a.task_name.localeCompare(b.task_name));
  const done = tasks.filter((t) => DONE_TASK.has(t.status)).length;
  return [
    `run ${run.run_id}  ${run.flow_name}@${run.flow_version}  ${run.status}  ${duration(run.started_at ?? run.created_at, run.completed_at, now)}`,
    table(['TASK', 'STATE', 'ATTEMPT', 'DURATION', 'ERROR'], tasks.map((t) => [t.task_name, t.status, t.attempt, duration(t.started_at, t.completed_at, now), t.error_message])),
    progressBar(done, tasks.length),
  ].join('\n');
}

export interface WatchOptions {
  intervalMs?: number;
  stdout?: NodeJS.WriteStream;
}

/** Watches a run to its end and returns the final run. */
export async function watchRun(api: DagyApi, runId: string, out: Output, options: WatchOptions = {}): Promise<RunDetail> {
  const stdout = options.stdout ?? process.stdout;
  const live = !out.json && stdout.isTTY === true;
  const interval = options.intervalMs ?? 1000;
  const seen = new Map<string, string>();
  let drawn = 0;
  let interrupted = false;
  let asking = false;
  let detached = false;

  const onSigint = () => {
    if (asking) return;
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const run = (await unwrap(api.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } }))) as RunDetail;
      if (live) {
        const text = renderRun(run);
        if (drawn > 0) stdout.write(`\x1b[${drawn}F\x1b[J`);
        stdout.write(`${text}\n`);
        drawn = text.split('\n').length;
      } else if (!out.json) {
        // Changes since the last poll, in the order they happened.
        const changed = run.task_runs.filter((t) => t.status !== 'PENDING' && seen.get(t.task_name) !== `${t.status}/${t.attempt}`);
        changed.sort((a, b) => (a.completed_at ?? a.started_at ?? '~').localeCompare(b.completed_at ?? b.started_at ?? '~'));
        for (const t of changed) {
          seen.set(t.task_name, `${t.status}/${t.attempt}`);
          out.line(`${t.task_name} ${t.status} attempt ${t.attempt}${t.error_message ? `: ${t.error_message}` : ''}`);
        }
      }
      if (TERMINAL_RUN.has(run.status)) {
        if (!live && !out.json) out.line(`run ${run.run_id} ${run.status} in ${duration(run.started_at ?? run.created_at, run.completed_at)}${run.error_message ? `: ${run.error_message}` : ''}`);
        return run;
      }
      if (interrupted && !detached) {
        interrupted = false;
        asking = true;
        const cancel = await askToCancel(runId);
        asking = false;
        if (cancel) {
          await unwrap(api.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: runId } } }));
          out.note(`cancelling run ${runId}…`);
          drawn = 0;
        } else {
          out.note(`detached; run ${runId} goes on (dagy runs get ${runId})`);
          detached = true;
          return run;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function askToCancel(runId: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`\nCancel run ${runId}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
