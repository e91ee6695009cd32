import { FUNCTIONS, RULES, matchesPattern } from '../../lambdas/catalogue';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { DataIndex, hostedFunctions, logicalIdOf, resource, roleStatements, sorted, tableGrants } from './template-helpers';
import type { HostedFunction, Json } from './template-helpers';

// The usage domain's infrastructure: the usage meter and its two rules on the Dagy bus, the
// usage HTTP function, and the read grants of the budget check at every run admission point.

let dev: Synth;
let data: DataIndex;
let hosted: HostedFunction[];
beforeAll(() => {
  dev = synthDagy('dev');
  data = new DataIndex(dev);
  hosted = hostedFunctions(dev);
});

const hostedOf = (name: string): HostedFunction => {
  const found = hosted.find((h) => h.def.name === name);
  if (!found) throw new Error(`${name} is not deployed`);
  return found;
};
const grantsOf = (name: string) => tableGrants(data, roleStatements(hostedOf(name).template, hostedOf(name).roleId));
const usageRules = RULES.filter((r) => r.target === 'usage-meter');

describe('usage meter', () => {
  test('is hosted by the events stack, targeted by two rules on the Dagy bus', () => {
    expect(dev.stacks.events.functions['usage-meter']).toBeDefined();
    expect(usageRules.map((r) => r.name).sort()).toEqual(['usage-run-status', 'usage-task-attempts']);
    for (const rule of usageRules) {
      const props = resource(dev.events, logicalIdOf(dev.stacks.events.rules[rule.name]!)).Properties!;
      // Not the default bus: the rule names the Dagy bus (imported from the data stack).
      expect(props.EventBusName).toBeDefined();
      const targets = props.Targets as Array<{ Arn: unknown }>;
      expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(dev.stacks.events.functions['usage-meter']!.function), 'Arn'] }]);
    }
  });

  test('the deployed patterns match what is metered and nothing else', () => {
    const patternOf = (name: string) => resource(dev.events, logicalIdOf(dev.stacks.events.rules[name]!)).Properties!.EventPattern as Json;
    const runs = patternOf('usage-run-status');
    const tasks = patternOf('usage-task-attempts');
    const run = (status: string) => ({ source: 'dagy.execution', 'detail-type': 'Run Status Changed', detail: { status } });
    const task = (status: string, previous_status: string | null) => ({ source: 'dagy.execution', 'detail-type': 'Task Run Status Changed', detail: { status, previous_status } });
    for (const status of ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']) expect(matchesPattern(runs, run(status))).toBe(true);
    expect(matchesPattern(runs, run('QUEUED'))).toBe(false);
    expect(matchesPattern(runs, task('SUCCEEDED', 'RUNNING'))).toBe(false);
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING']) expect(matchesPattern(tasks, task(status, 'RUNNING'))).toBe(true);
    expect(matchesPattern(tasks, task('RUNNING', 'PENDING'))).toBe(false);
    expect(matchesPattern(tasks, task('SKIPPED', 'PENDING'))).toBe(false);
  });

  test('may only put usage events (never update or delete them) and update aggregates', () => {
    const grants = grantsOf('usage-meter');
    expect(sorted(grants.keys())).toEqual(['UsageAggregate', 'UsageEvent']);
    expect(sorted(grants.get('UsageEvent')!.actions)).toEqual(['dynamodb:PutItem']);
    expect(grants.get('UsageAggregate')!.actions.has('dynamodb:UpdateItem')).toBe(true);
    const props = resource(hostedOf('usage-meter').template, hostedOf('usage-meter').functionId).Properties!;
    expect(props.MemorySize).toBe(FUNCTIONS['usage-meter'].memoryMb);
    expect(props.Architectures).toEqual(['arm64']);
  });
});

describe('usage HTTP function and the budget check', () => {
  test('http-usage reads usage and the subscription, and writes nothing but its access log', () => {
    const grants = grantsOf('http-usage');
    expect(sorted(grants.keys())).toEqual(['AccessLog', 'Subscription', 'UsageAggregate', 'UsageEvent']);
    for (const entity of ['Subscription', 'UsageAggregate', 'UsageEvent'] as const) {
      const actions = grants.get(entity)!.actions;
      for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect({ entity, write, granted: actions.has(write) }).toMatchObject({ granted: false });
    }
  });

  test('every function that starts runs reads the subscription and the aggregates (budget) and updates them (plan quota, slot leases), nothing more', () => {
    const starters = ['http-execution', 'http-sensors', 's3-sensor', 'sensor-poller', 'schedule-evaluator'];
    for (const name of starters) {
      const grants = grantsOf(name);
      for (const entity of ['Subscription', 'UsageAggregate'] as const) {
        const actions = grants.get(entity)?.actions ?? new Set<string>();
        // Plan admission counts runs with a conditional ADD and leases slots with conditional updates.
        expect({ name, entity, get: actions.has('dynamodb:GetItem'), update: actions.has('dynamodb:UpdateItem') }).toEqual({ name, entity, get: true, update: true });
        expect({ name, entity, scan: actions.has('dynamodb:Scan') }).toEqual({ name, entity, scan: false });
      }
    }
  });

  test('the flows function meters artifact bytes: put usage events, update aggregates', () => {
    const grants = grantsOf('http-flows');
    expect(sorted(grants.get('UsageEvent')!.actions)).toEqual(['dynamodb:PutItem']);
    expect(grants.get('UsageAggregate')!.actions.has('dynamodb:UpdateItem')).toBe(true);
  });
});
