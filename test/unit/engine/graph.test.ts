import { buildGraph, criticalPath, findCycles, graphOf } from '../../../lambdas/engine';
import { codeTask, flow } from './spec-builders';

describe('buildGraph', () => {
  const spec = flow(['load', 'extract', 'transform', 'audit'], ['extract>transform', 'transform>load', 'extract>load']);

  it('lists upstreams and downstreams in edge order', () => {
    const graph = buildGraph(spec);
    expect(graph.tasks).toEqual(['load', 'extract', 'transform', 'audit']);
    expect(graph.upstreams.get('load')).toEqual(['transform', 'extract']);
    expect(graph.downstreams.get('extract')).toEqual(['transform', 'load']);
    expect(graph.upstreams.get('audit')).toEqual([]);
    expect(graph.specs.get('transform')).toMatchObject({ type: 'code', handler: 'tasks/transform.js:run' });
  });

  it('orders tasks after their upstreams, ties in spec order', () => {
    expect(buildGraph(spec).topologicalOrder).toEqual(['extract', 'audit', 'transform', 'load']);
  });

  it('throws on unknown edge ends and cycles when given an unvalidated spec', () => {
    const tasks = [codeTask('a'), codeTask('b')].map((t) => ({ ...flow([t]).tasks[0]! }));
    expect(() => buildGraph({ tasks, edges: [{ from: 'a', to: 'x' }] })).toThrow("names an unknown task");
    expect(() => buildGraph({ tasks, edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }] })).toThrow(
      'flow graph has a cycle: a -> b -> a',
    );
  });

  it('graphOf builds each spec graph once', () => {
    expect(graphOf(spec)).toBe(graphOf(spec));
    expect(graphOf(flow(['x']))).not.toBe(graphOf(flow(['x'])));
  });
});

describe('findCycles', () => {
  it('finds each back edge cycle up to the limit', () => {
    const edges = [
      { from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'c', to: 'd' }, { from: 'd', to: 'e' }, { from: 'e', to: 'c' },
    ];
    expect(findCycles(['a', 'b', 'c', 'd', 'e'], edges)).toEqual([
      { path: ['a', 'b', 'a'], closingEdge: 1 },
      { path: ['c', 'd', 'e', 'c'], closingEdge: 4 },
    ]);
    expect(findCycles(['a', 'b', 'c', 'd', 'e'], edges, 1)).toHaveLength(1);
  });

  it('handles a 5000-task chain without recursion', () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => `t${i}`);
    const edges = tasks.slice(1).map((t, i) => ({ from: tasks[i]!, to: t }));
    expect(findCycles(tasks, edges)).toEqual([]);
    const [cycle] = findCycles(tasks, [...edges, { from: 't4999', to: 't0' }]);
    expect(cycle?.path).toHaveLength(5001);
  });
});

describe('criticalPath', () => {
  it('finds the longest chain by duration', () => {
    const spec = flow(['a', 'b', 'c', 'd'], ['a>b', 'a>c', 'b>d', 'c>d']);
    const durations: Record<string, number> = { a: 1, b: 5, c: 2, d: 1 };
    expect(criticalPath(spec, (t) => durations[t]!)).toEqual({ duration: 7, tasks: ['a', 'b', 'd'] });
  });

  it('picks the longest independent task when there are no edges', () => {
    expect(criticalPath(flow(['x', 'y']), (t) => (t === 'y' ? 3 : 1))).toEqual({ duration: 3, tasks: ['y'] });
  });
});
