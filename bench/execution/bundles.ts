import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { FUNCTIONS, type FunctionName } from '../../lambdas/catalogue/functions';
import { esbuildOptions } from '../../lib/constructs/function-bundling';

/**
 * Each catalogued function's Lambda bundle, built with the options lib/constructs/dagy-function.ts
 * deploys (lib/constructs/function-bundling.ts: esbuild, minified, ESM for Node.js 22, every
 * dependency inside, only the AWS clients the function is granted), without the source map, and
 * its cold import time: a fresh `node` importing the bundle with the function's environment
 * (its handler reads its configuration at import), median of `imports` fresh processes: wall
 * time, and the process's CPU time (user + system) during the import, which other load on the
 * machine disturbs far less.
 */
export interface BundleFigures {
  minified_bytes: number;
  cold_import_ms: number;
  cold_import_cpu_ms: number;
}

export function measureBundles(envFor: (name: FunctionName) => Record<string, string>, imports = 3): Record<string, BundleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'dagy-bench-bundles-'));
  const out: Record<string, BundleFigures> = {};
  try {
    for (const def of Object.values(FUNCTIONS)) {
      const outfile = join(dir, `${def.name}.mjs`);
      buildSync(esbuildOptions(def, outfile));
      const probe = join(dir, `${def.name}.probe.mjs`);
      writeFileSync(
        probe,
        `const c0 = process.cpuUsage(); const t0 = performance.now(); await import(${JSON.stringify(outfile)}); const c = process.cpuUsage(c0); process.stdout.write(JSON.stringify([performance.now() - t0, (c.user + c.system) / 1000]));\n`,
      );
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < imports; i++) {
        const r = spawnSync(process.execPath, [probe], { env: { PATH: process.env.PATH ?? '', ...envFor(def.name as FunctionName) }, encoding: 'utf8', timeout: 60_000 });
        if (r.status !== 0) throw new Error(`cold import of ${def.name} failed: ${r.stderr.slice(0, 500)}`);
        const [w, c] = JSON.parse(r.stdout) as [number, number];
        wall.push(w);
        cpu.push(c);
      }
      out[def.name] = { minified_bytes: statSync(outfile).size, cold_import_ms: median(wall), cold_import_cpu_ms: median(cpu) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]!);
}
