import type { EdgeSpec } from './flow-spec';

export interface FoundCycle {
  /** Task names around the cycle, first name repeated at the end: ['a', 'b', 'a']. */
  path: string[];
  /** Index (in the edges given) of the edge that closes the cycle. */
  closingEdge: number;
}

/**
 * Finds cycles with an iterative depth-first search (no recursion, so 2000-task chains cannot
 * overflow the stack). Each back edge found yields one cycle; at most `limit` are returned.
 * Edges naming unknown tasks are ignored (they are reported separately).
 */
export function findCycles(tasks: readonly string[], edges: readonly EdgeSpec[], limit = 10): FoundCycle[] {
  const out = new Map<string, { to: string; index: number }[]>(tasks.map((t) => [t, []]));
  edges.forEach((edge, index) => {
    if (out.has(edge.to)) out.get(edge.from)?.push({ to: edge.to, index });
  });

  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>(tasks.map((t) => [t, WHITE]));
  const cycles: FoundCycle[] = [];

  for (const root of tasks) {
    if (color.get(root) !== WHITE) continue;
    // Stack of (node, next neighbour index); the grey nodes on it are the current DFS path.
    const stack: { node: string; next: number }[] = [{ node: root, next: 0 }];
    color.set(root, GREY);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const neighbours = out.get(frame.node)!;
      if (frame.next >= neighbours.length) {
        color.set(frame.node, BLACK);
        stack.pop();
        continue;
      }
      const { to, index } = neighbours[frame.next++]!;
      const c = color.get(to);
      if (c === WHITE) {
        color.set(to, GREY);
        stack.push({ node: to, next: 0 });
      } else if (c === GREY) {
        const start = stack.findIndex((f) => f.node === to);
        cycles.push({ path: [...stack.slice(start).map((f) => f.node), to], closingEdge: index });
        if (cycles.length >= limit) return cycles;
      }
    }
  }
  return cycles;
}
