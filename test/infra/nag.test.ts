import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FUNCTIONS } from '../../lambdas/catalogue';
import { addNagChecks } from '../../lib/app';
import { DagyFunction } from '../../lib/constructs/dagy-function';
import { acknowledgeWildcardResource } from '../../lib/nag-suppressions';
import { stageConfig } from '../../lib/stage';
import { synthDagy } from './synth';
import type { Synth } from './synth';

let dev: Synth;
let prod: Synth;
beforeAll(() => {
  // With the plugin registered exactly as bin/dagy-app.ts does, so these synths are themselves gated.
  dev = synthDagy('dev', { nag: true });
  prod = synthDagy('prod', { nag: true });
});

const stacksOf = (synth: Synth): [Stack, Template][] => [
  [synth.stacks.data, synth.data],
  [synth.stacks.orchestration, synth.orchestration],
  [synth.stacks.api, synth.api],
  [synth.stacks.events, synth.events],
  [synth.stacks.monitoring, synth.monitoring],
  [synth.stacks.console, synth.console],
];

/** Unacknowledged AwsSolutions findings (errors and warnings) of a synthesized stack. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
  );
}

describe('cdk-nag AwsSolutions', () => {
  test.each(['dev', 'prod'] as const)('%s: no unacknowledged error or warning in any stack', (stage) => {
    const synth = stage === 'dev' ? dev : prod;
    for (const [stack] of stacksOf(synth)) expect({ stack: stack.stackName, findings: findings(stack) }).toEqual({ stack: stack.stackName, findings: [] });
  });

  test('every acknowledgement carries a written reason', () => {
    const acknowledged: [string, string, string][] = [];
    const walk = (node: IConstruct): void => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged.push([node.node.path, id, reason]);
      }
      node.node.children.forEach(walk);
    };
    walk(dev.app);
    const nag = acknowledged.filter(([, id]) => id.includes('AwsSolutions-'));
    expect(nag.length).toBeGreaterThan(0);
    for (const [where, id, reason] of nag) expect({ where, id, reason: reason.length >= 40 }).toEqual({ where, id, reason: true });
  });

  test('the gate is live: an unacknowledged wildcard fails the synth, an acknowledged one does not', () => {
    const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'dagy-nag-')) });
    const stack = new Stack(app, 'NagProbe');
    const fn = new DagyFunction(stack, 'Probe', { def: FUNCTIONS['http-platform'], stage: stageConfig('dev'), codeMode: 'placeholder' });
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::probe/*', 'arn:aws:s3:::known/*'] }));
    acknowledgeWildcardResource(fn.role, 'arn:aws:s3:::known/*', 'probe: this one is acknowledged with a long enough reason');
    addNagChecks(app);
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('AwsSolutions-IAM5[Resource::arn:aws:s3:::probe/*]');
    expect(message).not.toContain('known/*');
    expect(findings(stack)).toEqual([expect.stringContaining('AwsSolutions-IAM5[Resource::arn:aws:s3:::probe/*]')]);
  });
});

describe('CloudFormation limits', () => {
  test.each(['dev', 'prod'] as const)('%s: every stack stays well under 500 resources and 200 outputs', (stage) => {
    const synth = stage === 'dev' ? dev : prod;
    for (const [stack, template] of stacksOf(synth)) {
      const json = template.toJSON() as { Resources: object; Outputs?: object };
      const counts = { stack: stack.stackName, resources: Object.keys(json.Resources).length, outputs: Object.keys(json.Outputs ?? {}).length };
      expect(counts.resources).toBeLessThan(500);
      expect(counts.outputs).toBeLessThan(200);
    }
  });
});
