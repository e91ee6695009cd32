import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SKIP_BUNDLING_CONTEXT, addNagChecks, buildDagyApp } from '../../lib/app';
import type { BuildOptions, DagyStacks } from '../../lib/app';
import type { StageName } from '../../lib/stage';

export interface Synth {
  readonly app: App;
  readonly stacks: DagyStacks;
  readonly data: Template;
  readonly orchestration: Template;
  readonly api: Template;
  readonly events: Template;
}

/**
 * Builds the app as `cdk synth` does, but with placeholder Lambda code (the `dagy:skipBundling`
 * path): bundling ~13 entries with esbuild would dominate the test time and needs every entry
 * file to exist, while nothing asserted here depends on the bundle. Call once per test file.
 */
export interface SynthOptions extends BuildOptions {
  /** Register cdk-nag as bin/dagy-app.ts does: any unacknowledged finding then fails the synth. */
  readonly nag?: boolean;
}

export function synthDagy(stage: StageName = 'dev', options: SynthOptions = {}): Synth {
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), 'dagy-infra-')),
    context: { stage, [SKIP_BUNDLING_CONTEXT]: true },
  });
  const stacks = buildDagyApp(app, options);
  if (options.nag) addNagChecks(app);
  app.synth();
  return {
    app,
    stacks,
    data: Template.fromStack(stacks.data),
    orchestration: Template.fromStack(stacks.orchestration),
    api: Template.fromStack(stacks.api),
    events: Template.fromStack(stacks.events),
  };
}
