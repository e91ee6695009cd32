import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** Where this example lives, relative to the project root. */
export const ETL_EXAMPLE_DIR = 'examples/etl';

/** The example's directory: found above the working directory (the CLI, tests and scripts run in the project). */
export function etlExampleDir(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, ETL_EXAMPLE_DIR);
    if (existsSync(join(candidate, 'flow.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${ETL_EXAMPLE_DIR}/flow.json above ${start}`);
    dir = parent;
  }
}

// A fixed timestamp in every entry: the same code gives the same ZIP bytes, hence the same
// code_hash, so registering the example twice is a no-op rather than a conflict.
const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

function collect(root: string, dir: string, into: Zippable): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(root, path, into);
    else into[relative(root, path).split(sep).join('/')] = [readFileSync(path), { mtime: FIXED_MTIME }];
  }
}

/** The ZIP of the example's task code (tasks/*.mjs), deterministic. */
export function etlArtifactZip(dir: string = etlExampleDir()): Uint8Array {
  const files: Zippable = {};
  collect(dir, join(dir, 'tasks'), files);
  return zipSync(files, { level: 9 });
}

/** The example's FlowSpec (flow.json). */
export function etlFlowSpec(dir: string = etlExampleDir()): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8')) as Record<string, unknown>;
}

export interface EtlRegistrationOptions {
  flow_name?: string;
  flow_version?: string;
  default_executor?: 'lambda' | 'step-functions' | 'ecs';
}

/** The body of `POST /v1/flows` registering the example (fetch → clean|enrich|stats → aggregate). */
export function etlRegistration(options: EtlRegistrationOptions = {}) {
  const dir = etlExampleDir();
  return {
    flow_name: options.flow_name ?? 'etl',
    flow_version: options.flow_version ?? '1.0.0',
    namespace: 'examples',
    tags: { example: 'etl' },
    default_executor: options.default_executor ?? 'step-functions',
    flow_spec: etlFlowSpec(dir),
    artifact: { zip_base64: Buffer.from(etlArtifactZip(dir)).toString('base64') },
  };
}
