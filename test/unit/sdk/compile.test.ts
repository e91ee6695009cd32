import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { validateFlowSpec } from '../../../lambdas/engine';
import { buildFlow, FLOW_FILE_NAMES, loadFlow, resolveFlowFile } from '../../../sdk/compile';
import { compileFlowSpec, FlowCompileError } from '../../../sdk/flow-spec-of';

const EXAMPLE = resolve('examples/etl-sdk');
const FIXTURES = resolve('test/fixtures/sdk');

async function compileError(path: string): Promise<FlowCompileError> {
  try {
    compileFlowSpec(await loadFlow(path));
  } catch (error) {
    if (error instanceof FlowCompileError) return error;
    throw error;
  }
  throw new Error(`${path} compiled`);
}

describe('SDK compilation: flow file → FlowSpec', () => {
  it('compiles the SDK example to the FlowSpec of the JSON example, with handlers into its task bundles', async () => {
    const compiled = compileFlowSpec(await loadFlow(EXAMPLE));
    expect(compiled.flowName).toBe('etl-sdk');
    expect(compiled.flowVersion).toBe('1.0.0');
    expect(compiled.spec.tasks.map((t) => [t.name, t.handler])).toEqual([
      ['fetch', 'tasks/fetch.mjs:task_fetch'],
      ['clean', 'tasks/transform.mjs:task_clean'],
      ['enrich', 'tasks/transform.mjs:task_enrich'],
      ['stats', 'tasks/transform.mjs:task_stats'],
      ['aggregate', 'tasks/aggregate.mjs:task_aggregate'],
    ]);
    expect(compiled.spec.tasks[0]).toMatchObject({ type: 'code', retries: 2, retry_delay_seconds: 1, retry_backoff: 2, timeout_seconds: 60 });
    expect(compiled.spec.tasks[1]).toMatchObject({ parameters: { min_amount: 10 } });
    // Same graph and outputs as examples/etl/flow.json.
    const json = (await import('../../../examples/etl/flow.json')).default as { edges: unknown[]; outputs: unknown };
    expect(new Set(compiled.spec.edges!.map((e) => `${e.from}->${e.to}`))).toEqual(new Set((json.edges as { from: string; to: string }[]).map((e) => `${e.from}->${e.to}`)));
    expect(compiled.spec.outputs).toEqual(json.outputs);
    // The zod parameters became draft-07 JSON Schema.
    expect(compiled.spec.parameters).toMatchObject({
      type: 'object',
      properties: { day: { type: 'string' }, rows: { type: 'integer', minimum: 0, maximum: 10000 } },
      required: ['day', 'rows'],
    });
    expect(compiled.spec.parameters).not.toHaveProperty('$schema');
    expect(validateFlowSpec(compiled.spec).ok).toBe(true);
  });

  it('refuses a cycle, naming the tasks around it', async () => {
    const error = await compileError(join(FIXTURES, 'cycle'));
    expect(error.problems).toEqual([expect.stringMatching(/^tasks form a cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)$/)]);
  });

  it('names an upstream task that is not among the flow tasks', async () => {
    const error = await compileError(join(FIXTURES, 'unknown-upstream'));
    expect(error.problems).toEqual(["task 'load' runs after 'extract', which is not among the flow's tasks (add it to tasks)"]);
  });

  it('says what it looked for in a directory without a flow file', () => {
    const dir = join(FIXTURES, 'empty-dir');
    expect(() => resolveFlowFile(dir)).toThrow(FlowCompileError);
    expect(() => resolveFlowFile(dir)).toThrow(`no flow file in this directory: looked for ${FLOW_FILE_NAMES.join(', ')}`);
    expect(FLOW_FILE_NAMES).toEqual(['flow.ts', 'flow.mts', 'flow.js', 'flow.mjs']);
  });

  it('reports an invalid setting with the task it belongs to', async () => {
    const { flow, task } = await import('../../../sdk');
    const bad = task('too-many', { retries: 99 }, async () => null);
    const error = (() => {
      try {
        compileFlowSpec(flow({ name: 'bad', version: '1', tasks: [bad] }));
      } catch (e) {
        return e as FlowCompileError;
      }
      throw new Error('compiled');
    })();
    expect(error.problems).toEqual(["task 'too-many' tasks[0].retries: must be an integer between 0 and 10"]);
  });
});

describe('SDK bundling: one ESM module per task file', () => {
  let files: Record<string, Uint8Array>;
  let dir: string;

  beforeAll(async () => {
    const built = await buildFlow(EXAMPLE);
    expect(built.zip).not.toBeNull();
    files = unzipSync(built.zip!);
    dir = mkdtempSync(join(tmpdir(), 'dagy-sdk-bundle-'));
    for (const [path, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
  }, 60_000);

  it('holds exactly the task modules, deterministically', async () => {
    expect(Object.keys(files).sort()).toEqual(['tasks/aggregate.mjs', 'tasks/fetch.mjs', 'tasks/transform.mjs']);
    const again = await buildFlow(EXAMPLE);
    expect(Buffer.from(again.zip!).equals(Buffer.from((await buildFlow(EXAMPLE)).zip!))).toBe(true);
    const source = Buffer.from(files['tasks/transform.mjs']!).toString('utf8');
    // npm dependencies (zod) are inlined; the SDK import is resolved; built-ins stay imports.
    expect(source).not.toMatch(/from ["']zod["']/);
    expect(source).not.toMatch(/from ["']dagy\/sdk["']/);
    expect(source).toMatch(/from ["']node:url["']/);
  }, 60_000);

  it('runs under the task sandbox permissions (read only its own folder) with nothing else installed', () => {
    const script = `
      const { task_clean } = await import(${JSON.stringify(join(dir, 'tasks/transform.mjs'))});
      const lines = [];
      const out = await task_clean({
        parameters: { min_amount: 50 },
        inputs: { fetch: { day: 'd', rows: [{ id: 1, region: 'north', amount: 70 }, { id: 2, region: 'south', amount: 20 }, { id: -3, region: 'x', amount: 90 }] } },
        secrets: {},
        context: { run_id: 'r', task_name: 'clean', attempt: 1, log: (l) => lines.push(l) },
      });
      process.stdout.write(JSON.stringify({ out, lines }));`;
    const stdout = execFileSync(process.execPath, ['--experimental-permission', `--allow-fs-read=${dir}/*`, '--no-warnings', '--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
    });
    // The zod check (an npm dependency inside the bundle) drops the row with a negative id.
    expect(JSON.parse(stdout)).toEqual({ out: { rows: [{ id: 1, region: 'north', amount: 70 }], dropped: 2 }, lines: ['kept 1 of 3 rows (min_amount 50)'] });
  });
});
