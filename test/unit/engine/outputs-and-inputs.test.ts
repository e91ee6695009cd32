import {
  getPath, parseHandler, parseOutputRef, resolveOutputs, taskInputs, taskParameters,
} from '../../../lambdas/engine';
import { codeTask, flow } from './spec-builders';

describe('parseOutputRef', () => {
  const isTask = (name: string) => ['a', 'a.b', 'extract'].includes(name);

  it.each([
    ['extract', { ok: true, task: 'extract', path: [] }],
    ['extract.rows.0', { ok: true, task: 'extract', path: ['rows', '0'] }],
    ['a.x', { ok: true, task: 'a', path: ['x'] }],
    ['a.b', { ok: true, task: 'a.b', path: [] }],
    ['a.b.c', { ok: true, task: 'a.b', path: ['c'] }],
    ['a.', { ok: false, message: "empty field name in 'a.'" }],
    ['nope.x', { ok: false, message: "'nope.x' does not start with a task name" }],
  ])('%s', (ref, expected) => {
    expect(parseOutputRef(ref, isTask)).toEqual(expected);
  });
});

describe('getPath', () => {
  const value = { rows: [{ id: 7 }], count: 2, nested: { deep: null } };

  it('follows object keys and array indexes', () => {
    expect(getPath(value, ['rows', '0', 'id'])).toBe(7);
    expect(getPath(value, [])).toBe(value);
    expect(getPath(value, ['nested', 'deep'])).toBeNull();
  });

  it('returns undefined where the path leads nowhere, including inherited properties', () => {
    expect(getPath(value, ['rows', 'x'])).toBeUndefined();
    expect(getPath(value, ['rows', '01'])).toBeUndefined();
    expect(getPath(value, ['count', 'x'])).toBeUndefined();
    expect(getPath(value, ['constructor'])).toBeUndefined();
    expect(getPath(value, ['rows', 'length'])).toBeUndefined();
  });
});

describe('resolveOutputs', () => {
  it('resolves whole outputs and dotted paths, null when missing', () => {
    const outputs = { all: 'extract', first: 'transform.rows.0', gone: 'transform.nothing', skipped: 'load.x' };
    const taskOutputs = { extract: { n: 1 }, transform: { rows: ['r0', 'r1'] } };
    expect(resolveOutputs(outputs, taskOutputs, ['extract', 'transform', 'load'])).toEqual({
      all: { n: 1 }, first: 'r0', gone: null, skipped: null,
    });
  });

  it('needs the task names to split refs to tasks that produced no output', () => {
    const outputs = { x: 'a.b.c' };
    const taskOutputs = { a: { b: { c: 'from a' } } }; // task 'a.b' was skipped
    expect(resolveOutputs(outputs, taskOutputs, ['a', 'a.b'])).toEqual({ x: null });
    expect(resolveOutputs(outputs, taskOutputs)).toEqual({ x: 'from a' });
  });

  it('returns {} without outputs', () => {
    expect(resolveOutputs(undefined, { a: 1 })).toEqual({});
  });
});

describe('taskParameters', () => {
  it('merges the run parameters over the task parameters', () => {
    const task = { parameters: { limit: 10, mode: 'full' } };
    expect(taskParameters({ limit: 5, day: '2026-01-01' }, task)).toEqual({ limit: 5, mode: 'full', day: '2026-01-01' });
    expect(taskParameters(undefined, task)).toEqual(task.parameters);
    expect(task.parameters).toEqual({ limit: 10, mode: 'full' });
  });
});

describe('taskInputs', () => {
  it('maps each SUCCEEDED upstream to its output', () => {
    const spec = flow(['a', 'b', 'c', 'd'], ['a>d', 'b>d', 'c>d']);
    const inputs = taskInputs(spec, 'd', {
      a: { status: 'SUCCEEDED', output: { x: 1 } }, b: { status: 'FAILED' }, c: { status: 'SUCCEEDED' },
    });
    expect(inputs).toEqual({ a: { x: 1 }, c: null });
    expect(() => taskInputs(spec, 'zz', {})).toThrow("unknown task 'zz'");
  });
});

describe('parseHandler', () => {
  it('splits module and export', () => {
    expect(parseHandler(codeTask('x').handler!)).toEqual({ module: 'tasks/x.js', exportName: 'run' });
    expect(parseHandler('lib/v1.2/m.mjs:$main')).toEqual({ module: 'lib/v1.2/m.mjs', exportName: '$main' });
  });

  it.each(['x.js', 'x.ts:run', '/x.js:run', '../x.js:run', 'a/../x.js:run', 'a\\x.js:run', 'x.js:1run', 'x y.js:run'])(
    'rejects %s',
    (handler) => {
      expect(parseHandler(handler)).toBeNull();
    },
  );
});
