import { Graph, layout } from '@dagrejs/dagre';

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 56;

export interface LayoutInput {
  nodes: string[];
  edges: Array<{ from: string; to: string }>;
  /** Positions to keep (the builder's saved ones); the others are laid out. */
  fixed?: Record<string, { x: number; y: number }>;
  direction?: 'LR' | 'TB';
}

/**
 * Top-left positions for a DAG's nodes, left to right by dependency (dagre's layered layout).
 * Edges naming unknown nodes are ignored, so a draft with a dangling edge still draws.
 */
export function layoutDag(input: LayoutInput): Record<string, { x: number; y: number }> {
  const g = new Graph();
  g.setGraph({ rankdir: input.direction ?? 'LR', nodesep: 24, ranksep: 64, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(input.nodes);
  for (const name of input.nodes) g.setNode(name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of input.edges) if (known.has(e.from) && known.has(e.to) && e.from !== e.to) g.setEdge(e.from, e.to);
  layout(g);
  const out: Record<string, { x: number; y: number }> = {};
  for (const name of input.nodes) {
    const fixed = input.fixed?.[name];
    if (fixed !== undefined) {
      out[name] = fixed;
      continue;
    }
    const n = g.node(name) as { x: number; y: number };
    // dagre gives centres; React Flow wants top-left corners.
    out[name] = { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) };
  }
  return out;
}

/** A task's state in a run: its latest attempt's status, or PENDING when it has not started. */
export function latestAttempts<T extends { task_name: string; attempt: number }>(taskRuns: T[]): Map<string, T> {
  const latest = new Map<string, T>();
  for (const tr of taskRuns) {
    const seen = latest.get(tr.task_name);
    if (seen === undefined || tr.attempt > seen.attempt) latest.set(tr.task_name, tr);
  }
  return latest;
}
