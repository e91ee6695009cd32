import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root, found from the working directory (the CDK CLI and jest both run there).
 * Walking up rather than using __dirname/import.meta keeps this module valid in both the ESM app
 * (tsx) and the CommonJS test transform.
 */
function findProjectRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'cdk.json')) && existsSync(path.join(dir, 'lambdas', 'catalogue'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Dagy project root (cdk.json + lambdas/catalogue) above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot(process.cwd());

/** The run lifecycle definition; the local platform executes the same file. */
export const RUN_STATE_MACHINE_ASL = path.join(PROJECT_ROOT, 'lambdas/execution/run-state-machine.asl.json');

/** The ECS runner container's program, bundled at synth and uploaded to the artifacts bucket. */
export const ECS_RUNNER_ENTRY = path.join(PROJECT_ROOT, 'lambdas/execution/ecs-runner.ts');

export function fromRoot(relative: string): string {
  return path.join(PROJECT_ROOT, relative);
}
