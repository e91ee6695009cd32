import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from './step-functions/definition';

// One way the local platform bundles a program of its own for another process or thread: the
// code-executor and ECS processes (untrusted side) and the function threads (trusted side).
/**
 * Bundles `entry` (relative to the project root) into `outFile` as one ESM file, world-readable.
 * Minified (names kept: errors cross threads and processes by name) with its source map in a file
 * beside it: every ECS container loads its bundle anew, and the 5 MB of an unminified bundle
 * with an inline map cost it ~0.5 s of CPU before its first line ran (0.2 s now).
 */
export async function bundleProgram(entry: string, outFile: string, alias: Record<string, string> = {}): Promise<void> {
  await build({
    alias,
    entryPoints: [join(projectRoot(), entry)],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    banner: { js: "import { createRequire as __dagyCreateRequire } from 'node:module'; const require = __dagyCreateRequire(import.meta.url);" },
  });
  chmodSync(outFile, 0o644);
  chmodSync(`${outFile}.map`, 0o644);
}
