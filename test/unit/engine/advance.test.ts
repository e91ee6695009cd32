import type { TaskStatus } from '../../../lambdas/engine';
import { advance, finalRunStatus } from '../../../lambdas/engine';
import { flow, ruled } from './spec-builders';

type States = Record<string, { status: TaskStatus }>;
const states = (entries: Record<string, TaskStatus>): States =>
  Object.fromEntries(Object.entries(entries).map(([k, status]) => [k, { status }]));

/** Applies an advance() result the way a caller would. */
function apply(current: States, result: ReturnType<typeof advance>): States {
  const next = { ...current };
  for (const { task } of result.skip) next[task] = { status: 'SKIPPED' };
  return next;
}

describe('advance', () => {
  it('starts every task without upstreams, in topological order, treating missing states as PENDING', () => {
    const spec = flow(['c', 'b', 'a'], ['c>a']);
    expect(advance(spec, {})).toEqual({ ready: ['c', 'b'], skip: [], done: false, finalStatus: null });
  });

  it('does not return RUNNING tasks or tasks waiting on RUNNING upstreams', () => {
    const spec = flow(['a', 'b'], ['a>b']);
    expect(advance(spec, states({ a: 'RUNNING' }))).toMatchObject({ ready: [], skip: [], done: false });
    expect(advance(spec, states({ a: 'SUCCEEDED' }))).toMatchObject({ ready: ['b'], skip: [] });
  });

  it('skips the whole downstream cascade in one call, then has nothing more to skip', () => {
    const spec = flow(['a', 'b', 'c', 'side'], ['a>b', 'b>c']);
    const current = states({ a: 'FAILED', side: 'RUNNING' });
    const first = advance(spec, current);
    expect(first.skip).toEqual([
      { task: 'b', reason: "upstream 'a' FAILED" },
      { task: 'c', reason: "upstream 'b' SKIPPED" },
    ]);
    expect(first.done).toBe(false);
    const second = advance(spec, apply(current, first));
    expect(second).toEqual({ ready: [], skip: [], done: false, finalStatus: null });
  });

  it('reports done and the final status once the skips complete the run', () => {
    const spec = flow(['a', 'b', 'c'], ['a>b', 'a>c']);
    expect(advance(spec, states({ a: 'FAILED' }))).toMatchObject({ done: true, finalStatus: 'FAILED', ready: [] });
    expect(advance(spec, states({ a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SKIPPED' }))).toMatchObject({
      done: true, finalStatus: 'SUCCEEDED', skip: [],
    });
  });

  it('runs an all_done join after its upstreams were skipped', () => {
    const spec = flow(['a', 'b', 'c', ruled('join', 'all_done')], ['a>b', 'a>c', 'b>join', 'c>join']);
    const result = advance(spec, states({ a: 'FAILED' }));
    expect(result.skip.map((s) => s.task)).toEqual(['b', 'c']);
    expect(result.ready).toEqual(['join']);
  });

  it('skips a one_failed alert when its upstream succeeds, and the run still succeeds', () => {
    const spec = flow(['a', ruled('alert', 'one_failed')], ['a>alert']);
    const result = advance(spec, states({ a: 'SUCCEEDED' }));
    expect(result.skip).toEqual([{ task: 'alert', reason: 'trigger rule one_failed cannot hold: no upstream failed' }]);
    expect(result.finalStatus).toBe('SUCCEEDED');
  });

  it('fires one_success early, while another upstream is still running', () => {
    const spec = flow(['a', 'b', ruled('c', 'one_success')], ['a>c', 'b>c']);
    expect(advance(spec, states({ a: 'RUNNING', b: 'SUCCEEDED' })).ready).toEqual(['c']);
  });

  it('ignores inherited properties of the states object (task names like constructor)', () => {
    const spec = flow(['constructor', 'toString'], ['constructor>toString']);
    expect(advance(spec, {}).ready).toEqual(['constructor']);
  });
});

describe('finalRunStatus', () => {
  it.each<[TaskStatus[], string | null]>([
    [['SUCCEEDED', 'SUCCEEDED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'SKIPPED'], 'SUCCEEDED'],
    [['SKIPPED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'FAILED', 'SKIPPED'], 'FAILED'],
    [['FAILED', 'RUNNING'], null],
    [['SUCCEEDED', 'PENDING'], null],
  ])('%j -> %s', (statuses, expected) => {
    expect(finalRunStatus(statuses)).toBe(expected);
    expect(finalRunStatus(Object.fromEntries(statuses.map((s, i) => [`t${i}`, s])))).toBe(expected);
  });
});
