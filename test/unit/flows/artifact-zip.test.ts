import { strToU8, zipSync } from 'fflate';
import { parseFlowSpec } from '../../../lambdas/engine';
import { missingHandlerModules, zipEntryNames } from '../../../lambdas/flows/artifact-zip';

const spec = parseFlowSpec({
  tasks: [
    { name: 'a', type: 'code', handler: 'tasks/a.js:run' },
    { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
    { name: 'c', type: 'code', handler: './lib/c.mjs:main' },
  ],
});

describe('artifact ZIP checks', () => {
  it('lists the files of a ZIP (not its directories), with leading ./ removed', () => {
    const zip = zipSync({ 'tasks/': new Uint8Array(0), 'tasks/a.js': strToU8('x'), './lib/c.mjs': strToU8('y') });
    expect([...zipEntryNames(zip)!].sort()).toEqual(['lib/c.mjs', 'tasks/a.js']);
  });

  it('answers null for bytes that are not a ZIP, including a truncated one', () => {
    const zip = zipSync({ 'a.js': strToU8('x') });
    expect(zipEntryNames(Buffer.from('PK but not really'))).toBeNull();
    expect(zipEntryNames(new Uint8Array(0))).toBeNull();
    expect(zipEntryNames(zip.subarray(0, zip.length - 4))).toBeNull();
  });

  it('never inflates entries (a highly compressed entry costs nothing to list)', () => {
    const bomb = zipSync({ 'big.bin': new Uint8Array(32 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect([...zipEntryNames(bomb)!]).toEqual(['big.bin']);
  });

  it('reports each code task whose module is missing, at its handler path', () => {
    expect(missingHandlerModules(spec, new Set(['tasks/a.js', 'lib/c.mjs']))).toEqual([]);
    expect(missingHandlerModules(spec, new Set(['tasks/a.js']))).toEqual([
      { path: 'flow_spec.tasks[2].handler', message: "module './lib/c.mjs' is not in the artifact" },
    ]);
    expect(missingHandlerModules(spec, new Set()).map((i) => i.path)).toEqual(['flow_spec.tasks[0].handler', 'flow_spec.tasks[2].handler']);
  });
});
