import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The X-Ray SDK installs a process-wide async hook the moment it is imported (see
// lambdas/shared/lambda-entry.ts). The local platform loads every function's factory into one
// process; none of them may pull the SDK in. A child process, since this test runner's own module
// registry is shared with other test files.

const ROOT = join(__dirname, '../../..');

test('loading every function of the local platform loads no X-Ray SDK; a Lambda entry does', () => {
  const script = `
    const { FUNCTION_LOADERS } = await import('./local/functions/index.ts');
    for (const load of Object.values(FUNCTION_LOADERS)) await load();
    const local = Object.keys(process.namespaces ?? {});
    await import('./lambdas/shared/lambda-entry.ts');
    console.log(JSON.stringify({ local, entry: Object.keys(process.namespaces ?? {}) }));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(child.status).toBe(0);
  const seen = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { local: string[]; entry: string[] };
  expect(seen.local).toEqual([]);
  // The probe itself works: the entry helper does load it.
  expect(seen.entry).toContain('AWSXRay');
}, 60_000);
