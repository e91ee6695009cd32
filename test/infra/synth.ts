import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SKIP_BUNDLING_CONTEXT, addNagChecks, buildDagyApp } from '../../lib/app';
import type { BuildOptions, DagyStacks } from '../../lib/app';
import { fromRoot } from '../../lib/paths';
import type { StageName } from '../../lib/stage';

export interface Synth {
  readonly app: App;
  readonly stacks: DagyStacks;
  readonly data: Template;
  readonly orchestration: Template;
  readonly api: Template;
  readonly events: Template;
  readonly monitoring: Template;
  readonly console: Template;
}

/**
 * Builds the app as `cdk synth` does (with cdk.json's context), but with placeholder code (the
 * `dagy:skipBundling` path): bundling ~13 entries and the ECS runner with esbuild would dominate
 * the test time and needs every entry file to exist, while nothing asserted here depends on the
 * bundles. Call once per test file.
 */
export interface SynthOptions extends BuildOptions {
  /** Register cdk-nag as bin/dagy-app.ts does: any unacknowledged finding then fails the synth. */
  readonly nag?: boolean;
  /** Extra `-c key=value` context (stage settings such as signupEnabled). */
  readonly context?: Record<string, unknown>;
  /** Keep the cloud assembly (app.outdir) for a test that reads staged assets; it removes it. */
  readonly keepAssembly?: boolean;
}

/** cdk.json's context (feature flags included), which the CLI hands to bin/dagy-app.ts. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function synthDagy(stage: StageName = 'dev', options: SynthOptions = {}): Synth {
  const outdir = mkdtempSync(path.join(tmpdir(), 'dagy-infra-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), stage, [SKIP_BUNDLING_CONTEXT]: true, ...options.context },
  });
  const stacks = buildDagyApp(app, options);
  if (options.nag) addNagChecks(app);
  app.synth();
  try {
    return {
      app,
      stacks,
      data: Template.fromStack(stacks.data),
      orchestration: Template.fromStack(stacks.orchestration),
      api: Template.fromStack(stacks.api),
      events: Template.fromStack(stacks.events),
      monitoring: Template.fromStack(stacks.monitoring),
      console: Template.fromStack(stacks.console),
    };
  } finally {
    if (!options.keepAssembly) removeAssembly(outdir);
  }
}

/**
 * Removes a synth's cloud assembly directory once its templates are read: it holds ~23 MB of
 * staged assets, and a test run used to leave one per synth behind in the temp directory.
 */
export function removeAssembly(outdir: string): void {
  rmSync(outdir, { recursive: true, force: true });
}
