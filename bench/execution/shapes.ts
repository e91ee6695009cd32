import { strToU8, zipSync } from 'fflate';
import { criticalPath, parseFlowSpec, type FlowSpec } from '../../lambdas/engine';

/** The bench's task code: sleeps `parameters.ms` (0: returns at once). */
const TASK_CODE = `
export async function run({ parameters }) {
  const ms = typeof parameters.ms === 'number' ? parameters.ms : 0;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return { ms };
}
`;

export function artifactBase64(): string {
  return Buffer.from(zipSync({ 'tasks/sleep.mjs': strToU8(TASK_CODE) })).toString('base64');
}

type Task = FlowSpec['tasks'][number];
/**
 * A short timeout: the whole-DAG executors (lambda, ecs) refuse a DAG whose worst case
 * (timeouts × retries along the graph) exceeds their cap, and the shapes are the same for all three.
 */
const TIMEOUT_SECONDS = 5;
const task = (name: string, ms = 0): Task => ({ name, type: 'code', handler: 'tasks/sleep.mjs:run', parameters: { ms }, timeout_seconds: TIMEOUT_SECONDS });

export function chain(n: number): FlowSpec {
  const tasks = Array.from({ length: n }, (_, i) => task(`t${String(i).padStart(3, '0')}`));
  return { tasks, edges: tasks.slice(1).map((t, i) => ({ from: tasks[i]!.name, to: t.name })) };
}

export function fanOut(n: number): FlowSpec {
  const leaves = Array.from({ length: n }, (_, i) => task(`leaf${String(i).padStart(3, '0')}`));
  return { tasks: [task('root'), ...leaves], edges: leaves.map((l) => ({ from: 'root', to: l.name })) };
}

/**
 * Three branches whose slow task sits at a different depth, then a join: a level-by-level
 * executor waits for the slow task of every level (≈ 3 × slow), an eager one only for the slowest
 * branch (≈ slow + 2 × fast).
 */
export function unevenDag(slowMs: number, fastMs: number): FlowSpec {
  const tasks: Task[] = [];
  const edges: Array<{ from: string; to: string }> = [];
  for (const [b, slowAt] of [['a', 0], ['b', 1], ['c', 2]] as const) {
    for (let i = 0; i < 3; i++) {
      tasks.push(task(`${b}${i}`, i === slowAt ? slowMs : fastMs));
      if (i > 0) edges.push({ from: `${b}${i - 1}`, to: `${b}${i}` });
    }
    edges.push({ from: `${b}2`, to: 'join' });
  }
  tasks.push(task('join', fastMs));
  return { tasks, edges };
}

export function criticalPathMs(spec: FlowSpec): number {
  const normalized = parseFlowSpec(spec);
  const durations = Object.fromEntries(normalized.tasks.map((t) => [t.name, Number((t.parameters as { ms?: number }).ms ?? 0)]));
  return criticalPath(normalized, (name) => durations[name] ?? 0).duration;
}
