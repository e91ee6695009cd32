import { FUNCTIONS, RULES, matchesPattern } from '../../lambdas/catalogue';
import type { FunctionName, RuleDef } from '../../lambdas/catalogue';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { DataIndex, logicalIdOf, resource, resources } from './template-helpers';
import type { Json } from './template-helpers';

let dev: Synth;
let data: DataIndex;
beforeAll(() => {
  dev = synthDagy('dev');
  data = new DataIndex(dev);
});

/** Where a rule lives: with its target (the orchestration stack hosts the orchestrator's rules). */
const home = (rule: RuleDef) => {
  const inOrchestration = dev.stacks.orchestration.rules[rule.name];
  return inOrchestration !== undefined
    ? { template: dev.orchestration, rule: inOrchestration, fn: (name: FunctionName) => dev.stacks.orchestration.functions[name as 'run-orchestrator']!.function }
    : { template: dev.events, rule: dev.stacks.events.rules[rule.name]!, fn: (name: FunctionName) => dev.stacks.events.functions[name]!.function };
};
const ruleProps = (rule: RuleDef): Json => resource(home(rule).template, logicalIdOf(home(rule).rule)).Properties!;
const functionId = (rule: RuleDef): string => logicalIdOf(home(rule).fn(rule.target));

describe('rules from the events catalogue', () => {
  test('one rule per catalogue entry', () => {
    const count = Object.keys(resources(dev.events, 'AWS::Events::Rule')).length + Object.keys(resources(dev.orchestration, 'AWS::Events::Rule')).length;
    expect(count).toBe(RULES.length);
  });

  // A function with a queue (FunctionDef.queue) is reached through it: test/infra/usage.test.ts checks that path.
  test.each(RULES.filter((r) => FUNCTIONS[r.target].queue === undefined).map((r) => [r.name, r] as const))('%s targets its function, which may be invoked by that rule only', (_name, rule) => {
    const props = ruleProps(rule);
    const targets = props.Targets as { Arn: unknown }[];
    expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [functionId(rule), 'Arn'] }]);
    const ruleId = logicalIdOf(home(rule).rule);
    home(rule).template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId(rule), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  test.each(RULES.filter((r) => r.kind === 'schedule').map((r) => [r.name, r] as const))('%s runs on its schedule', (_name, rule) => {
    expect(rule.kind === 'schedule' && rule.expression).toBe('rate(1 minute)');
    expect(ruleProps(rule).ScheduleExpression).toBe(rule.kind === 'schedule' ? rule.expression : undefined);
  });

  test.each(RULES.filter((r) => r.kind === 'pattern').map((r) => [r.name, r] as const))(
    '%s: the catalogue pattern, on its bus, narrowed to its bucket',
    (_name, rule) => {
      if (rule.kind !== 'pattern') throw new Error('unreachable');
      const props = ruleProps(rule);
      const pattern = props.EventPattern as { source?: string[]; 'detail-type'?: string[]; detail?: Json };
      expect(pattern.source).toEqual(rule.pattern.source);
      expect(pattern['detail-type']).toEqual(rule.pattern['detail-type']);
      if (rule.bus === 'default') expect(props.EventBusName).toBeUndefined();
      if (rule.matchBucket !== undefined) {
        const names = (pattern.detail?.bucket as { name: unknown[] }).name;
        expect(names).toHaveLength(1);
        // The bucket name (Ref), not its ARN.
        expect(data.imported(names[0])).toEqual({ Ref: logicalIdOf(dev.stacks.data.buckets[rule.matchBucket]) });
      }
    },
  );

  test('the S3 rule matches an Object Created event of the ingest bucket, and not of another bucket', () => {
    const rule = RULES.find((r) => r.kind === 'pattern' && r.matchBucket === 'ingest');
    expect(rule).toBeDefined();
    const pattern = ruleProps(rule!).EventPattern as { source: string[]; 'detail-type': string[]; detail: Json };
    // Stand a concrete bucket name in for the import, then evaluate the deployed pattern.
    const concrete = { ...pattern, detail: { bucket: { name: ['ingest-bucket'] } } };
    const event = (bucket: string) => ({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: bucket }, object: { key: 'in/file.csv' } },
    });
    expect(matchesPattern(concrete, event('ingest-bucket'))).toBe(true);
    expect(matchesPattern(concrete, event('other-bucket'))).toBe(false);
    expect(matchesPattern(concrete, { ...event('ingest-bucket'), 'detail-type': 'Object Deleted' })).toBe(false);
  });
});
