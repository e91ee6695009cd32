import type { FlowSpec } from '../../lambdas/engine';

/*
 * Shapes of the scale bench. Tasks run the execution bench's artifact (tasks/sleep.mjs, see
 * bench/execution/shapes.ts): parameters.ms = 0 returns at once.
 */
type Task = FlowSpec['tasks'][number];
/** Long enough for a loaded machine; short enough for the whole-DAG executors' cap on a DAG's worst case. */
const TIMEOUT_SECONDS = 60;
const task = (name: string): Task => ({ name, type: 'code', handler: 'tasks/sleep.mjs:run', parameters: { ms: 0 }, timeout_seconds: TIMEOUT_SECONDS });

/** The 5-task diamond: a → b, c, d → e. */
export function diamond(): FlowSpec {
  const tasks = ['a', 'b', 'c', 'd', 'e'].map(task);
  return {
    tasks,
    edges: [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'a', to: 'd' },
      { from: 'b', to: 'e' },
      { from: 'c', to: 'e' },
      { from: 'd', to: 'e' },
    ],
  };
}

export function single(): FlowSpec {
  return { tasks: [task('only')], edges: [] };
}

/**
 * `n` tasks in `width` parallel chains joined at the end (n ≤ 2,000, the FlowSpec maximum): wide
 * enough to keep the executor busy, deep enough to take many orchestrator iterations. Tasks carry
 * only name, type and handler (defaults for the rest): a registered flow_spec is at most 256 KB,
 * so 2,000 tasks and their edges have about 130 bytes each.
 */
export function wideChains(n: number, width: number): FlowSpec {
  const task = (name: string): Task => ({ name, type: 'code', handler: 'tasks/sleep.mjs:run' });
  const tasks: Task[] = [];
  const edges: Array<{ from: string; to: string }> = [];
  const depth = Math.ceil((n - 1) / width);
  for (let w = 0; w < width; w++) {
    for (let d = 0; d < depth && tasks.length < n - 1; d++) {
      const name = `c${String(w).padStart(2, '0')}_${String(d).padStart(4, '0')}`;
      tasks.push(task(name));
      if (d > 0) edges.push({ from: `c${String(w).padStart(2, '0')}_${String(d - 1).padStart(4, '0')}`, to: name });
    }
  }
  const lasts = new Map<string, string>();
  for (const t of tasks) lasts.set(t.name.slice(0, 3), t.name);
  tasks.push(task('join'));
  for (const last of lasts.values()) edges.push({ from: last, to: 'join' });
  return { tasks, edges };
}
