import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from './step-functions/definition';

// One way the local platform bundles a program of its own for another process or thread: the
// code-executor and ECS processes (untrusted side) and the function threads (trusted side).
/** Bundles `entry` (relative to the project root) into `outFile` as one ESM file, world-readable. */
export async function bundleProgram(entry: string, outFile: string, alias: Record<string, string> = {}): Promise<void> {
  await build({
    alias,
    entryPoints: [join(projectRoot(), entry)],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'silent',
    banner: { js: "import { createRequire as __dagyCreateRequire } from 'node:module'; const require = __dagyCreateRequire(import.meta.url);" },
  });
  chmodSync(outFile, 0o644);
}
