import type { EdgeSpec, NormalizedFlowSpec, NormalizedTaskSpec } from './flow-spec';
import { findCycles } from './find-cycles';

/** The DAG of a validated flow, with the lookups every scheduler needs. */
export interface DagGraph {
  /** Task names in spec order. */
  readonly tasks: readonly string[];
  /** Each task's spec by name. */
  readonly specs: ReadonlyMap<string, NormalizedTaskSpec>;
  /** Direct upstreams of each task, in edge order. */
  readonly upstreams: ReadonlyMap<string, readonly string[]>;
  /** Direct downstreams of each task, in edge order. */
  readonly downstreams: ReadonlyMap<string, readonly string[]>;
  /** Every task after all of its upstreams; ties keep spec order. */
  readonly topologicalOrder: readonly string[];
}

/**
 * Builds the graph of a spec. Throws if an edge names an unknown task or the edges form a cycle:
 * validateFlowSpec rules both out, so this only fires on specs that skipped validation.
 */
export function buildGraph(spec: Pick<NormalizedFlowSpec, 'tasks' | 'edges'>): DagGraph {
  const tasks = spec.tasks.map((t) => t.name);
  const specs = new Map(spec.tasks.map((t) => [t.name, t]));
  const upstreams = new Map<string, string[]>(tasks.map((t) => [t, []]));
  const downstreams = new Map<string, string[]>(tasks.map((t) => [t, []]));
  for (const edge of spec.edges) {
    const down = downstreams.get(edge.from);
    const up = upstreams.get(edge.to);
    if (!down || !up) throw new Error(`edge '${edge.from}' -> '${edge.to}' names an unknown task`);
    down.push(edge.to);
    up.push(edge.from);
  }
  const topologicalOrder = topologicalSort(tasks, upstreams, downstreams, spec.edges);
  return { tasks, specs, upstreams, downstreams, topologicalOrder };
}

function topologicalSort(
  tasks: readonly string[],
  upstreams: ReadonlyMap<string, readonly string[]>,
  downstreams: ReadonlyMap<string, readonly string[]>,
  edges: readonly EdgeSpec[],
): string[] {
  // Kahn's algorithm; a FIFO seeded in spec order keeps the result deterministic.
  const remaining = new Map(tasks.map((t) => [t, upstreams.get(t)!.length]));
  const queue = tasks.filter((t) => remaining.get(t) === 0);
  for (let i = 0; i < queue.length; i++) {
    for (const next of downstreams.get(queue[i]!)!) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  if (queue.length !== tasks.length) {
    const [cycle] = findCycles(tasks, edges, 1);
    throw new Error(`flow graph has a cycle: ${cycle ? cycle.path.join(' -> ') : 'unknown'}`);
  }
  return queue;
}

const graphs = new WeakMap<object, DagGraph>();

/** The graph of a normalized spec, built once per spec object (specs are treated as immutable). */
export function graphOf(spec: NormalizedFlowSpec): DagGraph {
  let graph = graphs.get(spec);
  if (!graph) {
    graph = buildGraph(spec);
    graphs.set(spec, graph);
  }
  return graph;
}

/**
 * The longest chain of tasks by duration: the lower bound of any run's makespan with unlimited
 * parallelism (the bench compares makespan against it).
 */
export function criticalPath(
  spec: NormalizedFlowSpec,
  durationOf: (task: string) => number,
): { duration: number; tasks: string[] } {
  const graph = graphOf(spec);
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let last: string | undefined;
  for (const task of graph.topologicalOrder) {
    let start = 0;
    let from: string | undefined;
    for (const up of graph.upstreams.get(task)!) {
      if (finish.get(up)! > start) [start, from] = [finish.get(up)!, up];
    }
    finish.set(task, start + durationOf(task));
    via.set(task, from);
    if (last === undefined || finish.get(task)! > finish.get(last)!) last = task;
  }
  const tasks: string[] = [];
  for (let t = last; t !== undefined; t = via.get(t)) tasks.unshift(t);
  return { duration: last === undefined ? 0 : finish.get(last)!, tasks };
}
