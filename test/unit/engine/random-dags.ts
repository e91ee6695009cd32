import fc from 'fast-check';
import type { EdgeSpec, NormalizedFlowSpec, TaskStatus, TriggerRule } from '../../../lambdas/engine';
import { graphOf, parseFlowSpec, TRIGGER_RULES } from '../../../lambdas/engine';
import { codeTask } from './spec-builders';

export interface RandomDag {
  /** Task names; node i is names[i]. Spec order is shuffled relative to node order. */
  names: string[];
  /** Edges i -> j with i < j in node order, so the graph is acyclic. */
  edges: [number, number][];
  specOrder: number[];
}

/** Random DAGs over up to `maxNodes` nodes: edges only go from a lower to a higher node. */
export function randomDag(maxNodes = 30, minNodes = 1): fc.Arbitrary<RandomDag> {
  return fc.integer({ min: minNodes, max: maxNodes }).chain((n) =>
    fc.record({
      names: fc.constant(Array.from({ length: n }, (_, i) => `t${i}`)),
      edges: fc
        .uniqueArray(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3, selector: ([a, b]) => `${a}-${b}` })
        .map((pairs) => {
          const seen = new Set<string>();
          const edges: [number, number][] = [];
          for (const [a, b] of pairs) {
            if (a === b) continue;
            const edge: [number, number] = a < b ? [a, b] : [b, a];
            if (seen.has(edge.join('-'))) continue;
            seen.add(edge.join('-'));
            edges.push(edge);
          }
          return edges;
        }),
      specOrder: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
    }),
  );
}

export function edgeSpecs(dag: RandomDag): EdgeSpec[] {
  return dag.edges.map(([a, b]) => ({ from: dag.names[a]!, to: dag.names[b]! }));
}

export function toSpec(dag: RandomDag, rules: TriggerRule[], extra: (i: number) => object = () => ({})): NormalizedFlowSpec {
  return parseFlowSpec({
    tasks: dag.specOrder.map((i) => ({ ...codeTask(dag.names[i]!, { trigger_rule: rules[i]! }), ...extra(i) })),
    edges: edgeSpecs(dag),
  });
}

export const rulesFor = (n: number) => fc.array(fc.constantFrom(...TRIGGER_RULES), { minLength: n, maxLength: n });

/** Whether a rule runs its task given the FINAL (terminal) statuses of its upstreams. */
export function ruleRuns(rule: TriggerRule, upstreams: TaskStatus[]): boolean {
  if (upstreams.length === 0) return true;
  switch (rule) {
    case 'all_success':
      return upstreams.every((s) => s === 'SUCCEEDED');
    case 'all_done':
      return true;
    case 'one_success':
      return upstreams.includes('SUCCEEDED');
    case 'one_failed':
      return upstreams.includes('FAILED');
    case 'none_failed':
      return !upstreams.includes('FAILED');
  }
}

/**
 * The status every task must end with, derived from first principles: in topological order, a
 * task runs (and ends with its predetermined outcome) iff its rule holds on its upstreams' final
 * statuses; otherwise it is SKIPPED.
 */
export function expectedStatuses(spec: NormalizedFlowSpec, outcome: (task: string) => 'SUCCEEDED' | 'FAILED'): Map<string, TaskStatus> {
  const graph = graphOf(spec);
  const expected = new Map<string, TaskStatus>();
  for (const task of graph.topologicalOrder) {
    const ups = graph.upstreams.get(task)!.map((u) => expected.get(u)!);
    expected.set(task, ruleRuns(graph.specs.get(task)!.trigger_rule, ups) ? outcome(task) : 'SKIPPED');
  }
  return expected;
}
