/** @jest-environment node */
import { layoutDag, latestAttempts, NODE_HEIGHT, NODE_WIDTH } from '../src/graph/layout';
import { timelineBars } from '../src/runs/timeline';
import type { TaskRun } from '../src/api/types';

const ETL = {
  nodes: ['fetch', 'clean', 'enrich', 'stats', 'aggregate'],
  edges: [
    { from: 'fetch', to: 'clean' },
    { from: 'fetch', to: 'enrich' },
    { from: 'fetch', to: 'stats' },
    { from: 'clean', to: 'aggregate' },
    { from: 'enrich', to: 'aggregate' },
    { from: 'stats', to: 'aggregate' },
  ],
};

function overlaps(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;
}

describe('layoutDag', () => {
  test('places every task left of the tasks that depend on it, in three ranks for the ETL example', () => {
    const p = layoutDag(ETL);
    expect(Object.keys(p).sort()).toEqual([...ETL.nodes].sort());
    for (const e of ETL.edges) expect(p[e.from]!.x + NODE_WIDTH).toBeLessThan(p[e.to]!.x);
    expect(new Set(['clean', 'enrich', 'stats'].map((t) => p[t]!.x)).size).toBe(1);
    expect(new Set(Object.values(p).map((q) => q.x)).size).toBe(3);
  });

  test('no two boxes overlap', () => {
    const p = layoutDag(ETL);
    const names = Object.keys(p);
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) expect([names[i], names[j], overlaps(p[names[i]!]!, p[names[j]!]!)]).toEqual([names[i], names[j], false]);
  });

  test('top to bottom when asked', () => {
    const p = layoutDag({ ...ETL, direction: 'TB' });
    for (const e of ETL.edges) expect(p[e.from]!.y + NODE_HEIGHT).toBeLessThan(p[e.to]!.y);
  });

  test('keeps the fixed (saved) positions and lays out the rest', () => {
    const p = layoutDag({ ...ETL, fixed: { stats: { x: -500, y: 900 } } });
    expect(p.stats).toEqual({ x: -500, y: 900 });
    expect(p.fetch!.x).toBeLessThan(p.clean!.x);
  });

  test('ignores edges to unknown tasks and self-edges (a draft being edited still draws)', () => {
    const p = layoutDag({ nodes: ['a', 'b'], edges: [{ from: 'a', to: 'ghost' }, { from: 'b', to: 'b' }, { from: 'a', to: 'b' }] });
    expect(Object.keys(p)).toEqual(['a', 'b']);
    expect(p.a!.x).toBeLessThan(p.b!.x);
  });

  test('an empty graph has no positions', () => {
    expect(layoutDag({ nodes: [], edges: [] })).toEqual({});
  });
});

function taskRun(task_name: string, attempt: number, status: string, started_at: string | null, completed_at: string | null): TaskRun {
  return {
    task_run_id: `${task_name}-${attempt}`,
    run_id: 'r',
    task_name,
    status,
    attempt,
    executor: 'lambda',
    started_at,
    completed_at,
    error_message: null,
    output_ref: null,
    not_before: null,
    reused_from_run_id: null,
  };
}

describe('run state for the graph and the timeline', () => {
  const runs = [
    taskRun('fetch', 1, 'FAILED', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'),
    taskRun('fetch', 2, 'SUCCEEDED', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z'),
    taskRun('load', 1, 'RUNNING', '2026-01-01T00:00:03.000Z', null),
  ];

  test('a task shows its latest attempt', () => {
    const latest = latestAttempts(runs);
    expect(latest.get('fetch')?.status).toBe('SUCCEEDED');
    expect(latest.get('fetch')?.attempt).toBe(2);
    expect(latest.get('load')?.status).toBe('RUNNING');
    expect(latest.has('other')).toBe(false);
  });

  test('the timeline has one bar per attempt (retries visible), scaled to the span, a running one up to now', () => {
    const now = Date.parse('2026-01-01T00:00:04.000Z');
    const { bars, spanMs } = timelineBars(runs, ['fetch', 'load'], now);
    expect(spanMs).toBe(4000);
    expect(bars.map((b) => [b.task, b.attempt, b.left, b.width])).toEqual([
      ['fetch', 1, 0, 0.25],
      ['fetch', 2, 0.5, 0.25],
      ['load', 1, 0.75, 0.25],
    ]);
    expect(bars[0]!.label).toBe('fetch attempt 1: FAILED, 1.0 s');
  });

  test('no bars before any attempt starts', () => {
    expect(timelineBars([taskRun('a', 1, 'PENDING', null, null)], ['a'], 0)).toEqual({ bars: [], spanMs: 0 });
  });
});
