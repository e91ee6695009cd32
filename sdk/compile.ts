import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { FlowDefinition } from './define';
import { isFlowDefinition, stackFiles } from './define';
import { compileFlowSpec, FlowCompileError, type CompiledSpec } from './flow-spec-of';

// Flow file → FlowSpec + artifact. esbuild is loaded only here (never by the authoring API that
// task bundles include), and only when bundling.

/** What a directory is searched for, in this order. */
export const FLOW_FILE_NAMES = ['flow.ts', 'flow.mts', 'flow.js', 'flow.mjs'] as const;

/** The flow file a path names: the file itself, or the first of FLOW_FILE_NAMES in the directory. */
export function resolveFlowFile(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new FlowCompileError(full, ['no such file or directory']);
  if (!statSync(full).isDirectory()) return full;
  for (const name of FLOW_FILE_NAMES) {
    if (existsSync(join(full, name))) return join(full, name);
  }
  throw new FlowCompileError(full, [`no flow file in this directory: looked for ${FLOW_FILE_NAMES.join(', ')}`]);
}

/** Imports a flow file and returns the flow it exports (default export first). */
export async function loadFlow(path: string): Promise<FlowDefinition> {
  const file = resolveFlowFile(path);
  // An absolute path, not a file:// URL: valid for ESM import() (tsx) and for require (jest's transform).
  const mod = (await import(file)) as Record<string, unknown>;
  if (isFlowDefinition(mod.default)) return mod.default;
  const found = Object.values(mod).filter(isFlowDefinition);
  if (found.length === 1) return found[0]!;
  throw new FlowCompileError(file, [
    found.length === 0 ? 'exports no flow: write `export default flow({ ... })`' : 'exports several flows: export one as default',
  ]);
}

/** This SDK's own folder (where the bundles resolve `dagy/sdk` when the project is not a dependency). */
function sdkDir(): string {
  const own = stackFiles().find((file) => /\/sdk\/compile\.ts$/.test(file));
  if (own === undefined) throw new Error('cannot locate the Dagy SDK sources');
  return dirname(own);
}

// Fixed timestamp: the same code gives the same ZIP bytes, hence the same code_hash, so deploying
// unchanged code twice is "unchanged" rather than a conflict.
const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

/** The ESM bundle of each task module: npm dependencies inlined, Node built-ins left as imports. */
export async function bundleTaskModules(compiled: CompiledSpec, flowFile: string): Promise<Map<string, Uint8Array>> {
  const { build } = await import('esbuild');
  const sdkIndex = join(sdkDir(), 'index.ts');
  const out = new Map<string, Uint8Array>();
  for (const mod of compiled.modules) {
    const lines = [
      `import ${JSON.stringify(mod.sourceFile)};`,
      `import { registeredTask } from 'dagy/sdk';`,
      ...mod.exports.map(({ task, exportName }) => `export const ${exportName} = (args) => registeredTask(${JSON.stringify(task)}).fn(args);`),
    ];
    const result = await build({
      stdin: { contents: lines.join('\n'), resolveDir: dirname(flowFile), sourcefile: `${mod.path} (entry)`, loader: 'js' },
      absWorkingDir: dirname(flowFile),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      alias: { 'dagy/sdk': sdkIndex },
      banner: { js: "import { createRequire as __dagyCreateRequire } from 'node:module'; const require = __dagyCreateRequire(import.meta.url);" },
    }).catch((error: unknown) => {
      const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
      const lines = errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)) ?? [String(error)];
      throw new FlowCompileError(mod.sourceFile, lines);
    });
    out.set(mod.path, result.outputFiles[0]!.contents);
  }
  return out;
}

/** A deterministic ZIP of the bundled modules. */
export function artifactZip(files: Map<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const path of [...files.keys()].sort()) zippable[path] = [files.get(path)!, { mtime: FIXED_MTIME }];
  return zipSync(zippable, { level: 9 });
}

/** The body of POST /v1/flows, without the artifact. */
export function registrationOf(compiled: CompiledSpec) {
  return {
    flow_name: compiled.flowName,
    flow_version: compiled.flowVersion,
    ...(compiled.namespace !== undefined ? { namespace: compiled.namespace } : {}),
    ...(compiled.tags !== undefined ? { tags: compiled.tags } : {}),
    ...(compiled.defaultExecutor !== undefined ? { default_executor: compiled.defaultExecutor } : {}),
    flow_spec: compiled.spec,
  };
}

export interface BuiltFlow {
  file: string;
  compiled: CompiledSpec;
  /** The artifact ZIP; null when the flow has no code task. */
  zip: Uint8Array | null;
}

/** Flow file or directory → FlowSpec and artifact ZIP. */
export async function buildFlow(path: string): Promise<BuiltFlow> {
  const file = resolveFlowFile(path);
  const definition = await loadFlow(file);
  const compiled = compileFlowSpec(definition);
  const zip = compiled.modules.length === 0 ? null : artifactZip(await bundleTaskModules(compiled, file));
  return { file, compiled, zip };
}
