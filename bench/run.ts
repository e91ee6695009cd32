import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A benchmark module: `bench/<name>.bench.ts` exporting `run()` that returns its figures. */
interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

/**
 * Runs every bench/*.bench.ts (or those named on the command line) one after another and prints
 * one JSON document with each benchmark's figures. Progress goes to stderr, JSON to stdout.
 */
async function main(): Promise<void> {
  const dir = resolve('bench');
  const wanted = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
    .sort();
  const results: Record<string, unknown> = {};
  for (const file of files) {
    const name = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`bench ${name}...\n`);
    const started = Date.now();
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
    try {
      results[name] = { ...(await mod.run()), bench_wall_ms: Date.now() - started };
    } catch (error) {
      results[name] = { error: error instanceof Error ? error.message : String(error) };
      process.exitCode = 1;
    }
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);
}

void main();
