import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  adoptJson,
  runInSandbox,
  SandboxPool,
  sandboxNodeFlags,
  sandboxReadDirectory,
  type SandboxRequest,
} from '../../../lambdas/execution/code-executor/task-sandbox';

const MODULE = `
let calls = 0;
export async function ok({ parameters, inputs, secrets, context }) {
  console.log('params', JSON.stringify(parameters));
  console.error('to stderr');
  context.log('via context.log', context.task_name, context.attempt);
  return { parameters, inputs, secrets, context: { run_id: context.run_id, task_name: context.task_name, attempt: context.attempt } };
}
export async function count() { calls += 1; return { calls }; }
export function syncValue() { return 7; }
export async function nothing() {}
export async function exits() { process.exit(4); }
export async function throwsNull() { throw null; }
export async function throwsError() { throw new TypeError('bad type'); }
export function spin() { for (;;) {} }
export async function late() { setTimeout(() => { throw new Error('later'); }, 1); return { early: true }; }
export async function env() { return { keys: Object.keys(process.env).filter((k) => k.startsWith('DAGY_') || k.startsWith('AWS_')) }; }
export async function date() { return { at: new Date(0) }; }
export async function fn() { return { f: () => 1 }; }
export async function nan() { return { n: NaN }; }
export async function rejectsLater() { Promise.reject(new Error('unhandled')); await new Promise((r) => setTimeout(r, 50)); return 1; }
export async function readFile({ parameters }) {
  const fs = await import('node:fs');
  try { return { text: fs.readFileSync(parameters.path, 'utf8') }; } catch (error) { return { denied: error.code ?? String(error) }; }
}
export async function writeFile({ parameters }) {
  const fs = await import('node:fs');
  try { fs.writeFileSync(parameters.path, 'written'); return { wrote: true }; } catch (error) { return { denied: error.code ?? String(error) }; }
}
export async function spawnChild() {
  const cp = await import('node:child_process');
  try { return { out: cp.execFileSync(process.execPath, ['-e', 'console.log(1)']).toString() }; } catch (error) { return { denied: error.code ?? String(error) }; }
}
export async function startWorker() {
  const { Worker } = await import('node:worker_threads');
  try { new Worker('1', { eval: true }); return { started: true }; } catch (error) { return { denied: error.code ?? String(error) }; }
}
export function pid() { return { pid: process.pid }; }
export async function nap({ parameters }) { await new Promise((r) => setTimeout(r, parameters.ms)); return { pid: process.pid }; }
export async function readLeaky({ parameters }) {
  const fs = await import('node:fs');
  return fs.readFileSync(parameters.path, 'utf8');
}
`;

const CJS_MODULE = `
const { answer } = require('./lib/answer.cjs');
exports.run = () => ({ answer });
`;

let dir: string;
let moduleUrl: string;
/** Another organization's artifact, next to this one: the sandbox must not see it. */
let otherDir: string;
const SECRET = 'other-org-secret-7f3a9c';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagy-sandbox-'));
  writeFileSync(join(dir, 'tasks.mjs'), MODULE);
  writeFileSync(join(dir, 'data.txt'), 'own artifact data');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'answer.cjs'), 'exports.answer = 42;');
  writeFileSync(join(dir, 'lib', 'entry.cjs'), CJS_MODULE.replace('./lib/answer.cjs', './answer.cjs'));
  moduleUrl = pathToFileURL(join(dir, 'tasks.mjs')).href;
  otherDir = mkdtempSync(join(tmpdir(), 'dagy-sandbox-other-'));
  writeFileSync(join(otherDir, 'secret.txt'), SECRET);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

function request(exportName: string, extra: Partial<SandboxRequest> = {}): SandboxRequest {
  return {
    moduleUrl,
    modulePath: 'tasks.mjs',
    exportName,
    args: { parameters: { a: 1 }, inputs: { up: { v: 2 } }, secrets: { S: 'x' }, context: { run_id: 'r1', task_name: 't1', attempt: 2 } },
    timeoutMs: 5000,
    timeoutMessage: 'timed out after 5s',
    ...extra,
  };
}

describe('runInSandbox', () => {
  test('calls the export with parameters, inputs, secrets and context, and captures its console output', async () => {
    const result = await runInSandbox('test:a', request('ok'));
    expect(result).toMatchObject({
      ok: true,
      output: { parameters: { a: 1 }, inputs: { up: { v: 2 } }, secrets: { S: 'x' }, context: { run_id: 'r1', task_name: 't1', attempt: 2 } },
    });
    expect(result.log).toContain('params {"a":1}\n');
    expect(result.log).toContain('to stderr\n');
    expect(result.log).toContain('via context.log t1 2\n');
    expect(result.log).not.toContain('ExperimentalWarning');
  });

  test('a synchronous export and one returning nothing are fine (undefined becomes null)', async () => {
    expect(await runInSandbox('test:a', request('syncValue'))).toMatchObject({ ok: true, output: 7 });
    expect(await runInSandbox('test:a', request('nothing'))).toMatchObject({ ok: true, output: null });
  });

  test.each([
    ['exits', 'task code exited the process (exit code 4) before returning'],
    ['throwsNull', 'threw null'],
    ['throwsError', 'bad type'],
    ['date', 'task returned a value that is not JSON at at: must be plain JSON'],
    ['fn', 'task returned a value that is not JSON (() => 1 could not be cloned.)'],
    ['nan', 'task returned a value that is not JSON at n: must be a finite number'],
    ['missing', 'module tasks.mjs has no exported function missing'],
  ])('%s fails the attempt with its reason', async (name, error) => {
    const result = await runInSandbox('test:a', request(name));
    expect(result).toMatchObject({ ok: false, error });
  });

  test('a module that cannot be loaded fails the attempt', async () => {
    const result = await runInSandbox('test:a', request('ok', { moduleUrl: pathToFileURL(join(dir, 'nope.mjs')).href, modulePath: 'nope.mjs' }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^cannot load module nope\.mjs: /);
  });

  test('a synchronous hang is ended at the timeout', async () => {
    const result = await runInSandbox('test:a', request('spin', { timeoutMs: 200, timeoutMessage: 'timed out after 0.2s' }));
    expect(result).toMatchObject({ ok: false, error: 'timed out after 0.2s' });
  });

  test('aborting the signal stops the attempt with the abort reason', async () => {
    const controller = new AbortController();
    const pending = runInSandbox('test:a', request('spin', { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('run cancelled')), 50);
    expect(await pending).toMatchObject({ ok: false, error: 'run cancelled' });
  });

  test('the task code sees none of the runner environment', async () => {
    process.env.DAGY_SECRET_TEST = 'leak';
    try {
      expect(await runInSandbox('test:a', request('env'))).toMatchObject({ ok: true, output: { keys: [] } });
    } finally {
      delete process.env.DAGY_SECRET_TEST;
    }
  });

  test('an unhandled rejection in task code fails the attempt', async () => {
    const result = await runInSandbox('test:a', request('rejectsLater'));
    expect(result).toMatchObject({ ok: false, error: 'uncaught exception in task code: unhandled' });
  });
});

describe('sandbox confinement', () => {
  const withPath = (exportName: string, path: string) => request(exportName, { args: { ...request(exportName).args, parameters: { path } } });

  test('task code reads files of its own artifact directory', async () => {
    expect(await runInSandbox('test:a', withPath('readFile', join(dir, 'data.txt')))).toMatchObject({ ok: true, output: { text: 'own artifact data' } });
  });

  test("task code cannot read a file outside its artifact directory (another organization's artifact)", async () => {
    const result = await runInSandbox('test:a', withPath('readFile', join(otherDir, 'secret.txt')));
    expect(result).toMatchObject({ ok: true, output: { denied: 'ERR_ACCESS_DENIED' } });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    // Nor one of the runner's own files.
    expect(await runInSandbox('test:a', withPath('readFile', '/etc/passwd'))).toMatchObject({ ok: true, output: { denied: 'ERR_ACCESS_DENIED' } });
  });

  test('an uncaught read attempt fails the attempt without leaking the content', async () => {
    const result = await runInSandbox('test:a', withPath('readLeaky', join(otherDir, 'secret.txt')));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/access/i);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  test('task code cannot write files, in the temp dir, elsewhere or in its own artifact', async () => {
    for (const path of [join(otherDir, 'planted.txt'), join(tmpdir(), `dagy-sandbox-planted-${process.pid}.txt`), join(dir, 'planted.txt')]) {
      expect(await runInSandbox('test:a', withPath('writeFile', path))).toMatchObject({ ok: true, output: { denied: 'ERR_ACCESS_DENIED' } });
      expect(existsSync(path)).toBe(false);
    }
  });

  test('task code cannot start processes or worker threads', async () => {
    expect(await runInSandbox('test:a', request('spawnChild'))).toMatchObject({ ok: true, output: { denied: 'ERR_ACCESS_DENIED' } });
    expect(await runInSandbox('test:a', request('startWorker'))).toMatchObject({ ok: true, output: { denied: 'ERR_ACCESS_DENIED' } });
  });

  test('a CommonJS module in a subdirectory loads and requires its siblings', async () => {
    const cjs = request('run', { moduleUrl: pathToFileURL(join(dir, 'lib', 'entry.cjs')).href, modulePath: 'lib/entry.cjs' });
    expect(await runInSandbox('test:cjs', cjs)).toMatchObject({ ok: true, output: { answer: 42 } });
  });

  test('the readable directory is the artifact directory the module path is relative to', () => {
    expect(sandboxReadDirectory('file:///tmp/dagy-artifacts/abc/tasks/lib.mjs', 'tasks/lib.mjs')).toBe('/tmp/dagy-artifacts/abc');
    expect(sandboxReadDirectory('file:///tmp/dagy-artifacts/abc/tasks/lib.mjs', './tasks/lib.mjs')).toBe('/tmp/dagy-artifacts/abc');
    // A module path that does not line up with the URL: only the module's own directory.
    expect(sandboxReadDirectory('file:///tmp/dagy-artifacts/abc/tasks/lib.mjs', 'other.mjs')).toBe('/tmp/dagy-artifacts/abc/tasks');
    // Never the file system root.
    expect(sandboxReadDirectory('file:///tasks/lib.mjs', 'tasks/lib.mjs')).toBe('/tasks');
  });
});

describe('sandboxNodeFlags', () => {
  test.each([
    ['20.10.0', ['--experimental-permission', '--allow-fs-read=/art/abc/*', '--no-warnings']],
    ['20.20.2', ['--experimental-permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
    ['21.2.0', ['--experimental-permission', '--allow-fs-read=/art/abc/*', '--no-warnings']],
    ['21.7.3', ['--experimental-permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
    ['22.12.0', ['--experimental-permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
    ['22.13.0', ['--permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
    ['v22.21.1', ['--permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
    ['24.1.0', ['--permission', '--allow-fs-read=/art/abc/*', '--disable-warning=ExperimentalWarning']],
  ])('Node %s', (version, flags) => {
    expect(sandboxNodeFlags(version, '/art/abc')).toEqual(flags);
    expect(sandboxNodeFlags(version, '/art/abc/')).toEqual(flags);
  });

  test('refuses a directory that would grant more than itself', () => {
    expect(() => sandboxNodeFlags('22.13.0', 'relative/dir')).toThrow('unusable artifact directory');
    expect(() => sandboxNodeFlags('20.20.2', '/tmp/a,/etc')).toThrow('unusable artifact directory');
    expect(() => sandboxNodeFlags('20.20.2', '/tmp/*')).toThrow('unusable artifact directory');
    expect(() => sandboxNodeFlags('24.1.0', '/')).toThrow('unusable artifact directory');
  });
});

describe('SandboxPool', () => {
  test('reuses a process for the same key (module state kept), never across keys, and drops a crashed one', async () => {
    const pool = new SandboxPool();
    try {
      expect(await pool.run('org-1:code', request('count'))).toMatchObject({ output: { calls: 1 } });
      expect(await pool.run('org-1:code', request('count'))).toMatchObject({ output: { calls: 2 } });
      // Another organization with the same code gets its own process.
      expect(await pool.run('org-2:code', request('count'))).toMatchObject({ output: { calls: 1 } });
      // A process whose attempt exited is gone; the next attempt starts fresh.
      expect(await pool.run('org-1:code', request('exits'))).toMatchObject({ ok: false });
      expect(await pool.run('org-1:code', request('count'))).toMatchObject({ output: { calls: 1 } });
      // A timed-out process is discarded too.
      expect(await pool.run('org-1:code', request('spin', { timeoutMs: 100 }))).toMatchObject({ ok: false });
      expect(await pool.run('org-1:code', request('count'))).toMatchObject({ output: { calls: 1 } });
    } finally {
      pool.close();
    }
  });

  test("output an attempt's leftover work produces later is not attributed to the next attempt", async () => {
    const pool = new SandboxPool();
    try {
      expect(await pool.run('k', request('late'))).toMatchObject({ ok: true, output: { early: true } });
      // The process still held the late timer when the task returned: it is not reused, so the
      // next attempt runs cleanly in a new one, however soon it starts.
      const next = await pool.run('k', request('count'));
      expect(next).toMatchObject({ ok: true, output: { calls: 1 } });
      expect(next.log).toBe('');
    } finally {
      pool.close();
    }
  });
});

describe('SandboxPool growth', () => {
  const pids = (results: Array<{ ok: boolean; output?: unknown }>) => new Set(results.map((r) => (r.output as { pid: number }).pid));

  test('short attempts arriving at once share the few processes that start first: the pool grows two at a time, only while attempts wait', async () => {
    const pool = new SandboxPool();
    try {
      const results = await Promise.all(Array.from({ length: 16 }, () => pool.run('k', request('pid'))));
      expect(results.every((r) => r.ok)).toBe(true);
      // Sixteen processes before (one per attempt, all booting at once on the same cores).
      expect(pool.started).toBeLessThanOrEqual(8);
      // A process that started after the queue emptied is kept idle, unused so far.
      expect(pids(results).size).toBeLessThanOrEqual(pool.started);
    } finally {
      pool.close();
    }
  });

  test('long attempts each get their own process, and a wave that ends together leaves them all for the next', async () => {
    const pool = new SandboxPool();
    try {
      // Long against the pool's growth (three rounds of two process starts): at 400 ms the full
      // suite's load once let the first attempt end before the sixth process was up, and it served
      // the last one.
      const wave = () => Promise.all(Array.from({ length: 6 }, () => pool.run('k', request('nap', { args: { ...request('nap').args, parameters: { ms: 1500 } } }))));
      const first = await wave();
      expect(first.every((r) => r.ok)).toBe(true);
      expect(pids(first).size).toBe(6);
      expect(pool.started).toBe(6);
      const second = await wave();
      expect(pids(second)).toEqual(pids(first));
      expect(pool.started).toBe(6);
    } finally {
      pool.close();
    }
  });

  test('prewarm starts the processes a host is about to need all at once, and the attempts that follow take them', async () => {
    const pool = new SandboxPool();
    try {
      // A whole run's three first tasks: three processes at once (grown on demand: two, then one).
      pool.prewarm('k', dir, 3);
      expect(pool.started).toBe(3);
      // Asked again (or for fewer) while they start: none more.
      pool.prewarm('k', dir, 3);
      pool.prewarm('k', dir, 1);
      expect(pool.started).toBe(3);
      const napping = request('nap', { args: { ...request('nap').args, parameters: { ms: 300 } } });
      const results = await Promise.all([pool.run('k', napping), pool.run('k', napping), pool.run('k', napping)]);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(pids(results).size).toBe(3);
      expect(pool.started).toBe(3);
      // Another key (organization, code) is its own slot; an unusable directory starts nothing.
      pool.prewarm('k', '/', 2);
      pool.prewarm('other', 'relative', 2);
      expect(pool.started).toBe(3);
    } finally {
      pool.close();
    }
  });

  test('an attempt stopped while it waits for a process leaves the queue and starts none; one out of time while it waits fails with its timeout', async () => {
    const pool = new SandboxPool();
    try {
      const napping = request('nap', { args: { ...request('nap').args, parameters: { ms: 200 } } });
      const running = [pool.run('k', napping), pool.run('k', napping)];
      // Two starting for the two first; the next ones wait. Stopped at once (before any process
      // can be ready), they leave the queue, so no third process starts for them.
      const controllers = [new AbortController(), new AbortController()];
      const stopped = controllers.map((controller) => pool.run('k', { ...napping, signal: controller.signal }));
      for (const controller of controllers) controller.abort(new Error('run cancelled'));
      expect(await Promise.all(stopped)).toEqual([
        { ok: false, error: 'run cancelled', log: '' },
        { ok: false, error: 'run cancelled', log: '' },
      ]);
      expect((await Promise.all(running)).every((r) => r.ok)).toBe(true);
      expect(pool.started).toBe(2);
      // Its timeout counts from its call, the wait included.
      const busy = [pool.run('k', napping), pool.run('k', napping)];
      expect(await pool.run('k', { ...napping, timeoutMs: 1, timeoutMessage: 'timed out after 0.001s' })).toMatchObject({ ok: false, error: 'timed out after 0.001s' });
      await Promise.all(busy);
    } finally {
      pool.close();
    }
  });
});

describe('adoptJson', () => {
  test('copies plain JSON and names the first non-JSON place', () => {
    expect(adoptJson({ a: [1, 'x', null, { b: true }] })).toEqual({ ok: true, value: { a: [1, 'x', null, { b: true }] } });
    expect(adoptJson({ a: [1, { b: new Map() }] })).toEqual({ ok: false, path: ['a', 1, 'b'], message: 'must be plain JSON' });
    expect(adoptJson({ a: Infinity })).toEqual({ ok: false, path: ['a'], message: 'must be a finite number' });
    expect(adoptJson(Object.create(null))).toEqual({ ok: true, value: {} });
    expect(adoptJson(undefined)).toEqual({ ok: false, path: [], message: 'must be JSON, not undefined' });
  });
});
