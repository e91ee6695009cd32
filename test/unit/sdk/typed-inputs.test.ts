import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// `inputs` are typed from the upstream tasks' return types: the fixture compiles (its
// expect-error lines are real errors), and a task reading a field its upstream does not
// return fails to compile with that field named.

const TSC = resolve('node_modules/.bin/tsc');

function typecheck(file: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(resolve('.'), '.tsc-fixture-'));
  const target = join(dir, 'fixture.ts');
  copyFileSync(file, target);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', lib: ['ES2023'], module: 'preserve', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['fixture.ts'],
    }),
  );
  try {
    return { ok: true, output: execFileSync(TSC, ['-p', dir], { encoding: 'utf8' }) };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('typed task inputs', () => {
  it('compile for correct use, and every @ts-expect-error in the fixture is an error', () => {
    const result = typecheck(resolve('test/fixtures/sdk/typed-inputs.ts'));
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('reject a field the upstream does not return, naming it', () => {
    const result = typecheck(resolve('test/fixtures/sdk/typed-inputs-wrong.ts.txt'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/Property 'columns' does not exist on type '\{ rows: number\[\]; \}'/);
  }, 60_000);
});
