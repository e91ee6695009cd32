import { ENV, RULES, matchesPattern } from '../../lambdas/catalogue';
import type { RuleDef } from '../../lambdas/catalogue';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { DataIndex, hostedFunctions, logicalIdOf, resource, roleStatements, sorted, tableGrants } from './template-helpers';
import type { HostedFunction, Json } from './template-helpers';

// What the alerts need of the infrastructure: the Run Status Changed rule on the Dagy bus and the
// minute tick, both into the alert dispatcher; its grants scoped to what it sends and reads.
let dev: Synth;
let data: DataIndex;
let dispatcher: HostedFunction;
let httpAlerts: HostedFunction;
beforeAll(() => {
  dev = synthDagy('dev');
  data = new DataIndex(dev);
  const hosted = hostedFunctions(dev);
  dispatcher = hosted.find((h) => h.def.name === 'alert-dispatcher')!;
  httpAlerts = hosted.find((h) => h.def.name === 'http-alerts')!;
});

const ruleNamed = (name: string): RuleDef => RULES.find((r) => r.name === name)!;
const ruleProps = (name: string): Json => resource(dev.events, logicalIdOf(dev.stacks.events.rules[name]!)).Properties!;
const env = (h: HostedFunction) => (resource(h.template, h.functionId).Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

describe('alert rules on EventBridge', () => {
  test('Run Status Changed of finished runs, on the Dagy bus, invokes the alert dispatcher', () => {
    const props = ruleProps('run-status-alerts');
    expect(props.EventPattern).toEqual({
      source: ['dagy.execution'],
      'detail-type': ['Run Status Changed'],
      detail: { status: ['FAILED', 'SUCCEEDED', 'CANCELLED'] },
    });
    // On the Dagy bus (its name, taken from the imported bus ARN), not the default bus.
    const imports: unknown[] = [];
    const collect = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      if ('Fn::ImportValue' in node) imports.push(node);
      Object.values(node).forEach(collect);
    };
    collect(props.EventBusName);
    expect(imports.map((i) => data.importedLogicalId(i))).toContain(logicalIdOf(dev.stacks.data.eventBus));
    expect((props.Targets as Array<{ Arn: unknown }>).map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [dispatcher.functionId, 'Arn'] }]);
    // The deployed pattern lets a failed run through and a RUNNING one not (the local bus applies the same).
    const pattern = { source: ['dagy.execution'], 'detail-type': ['Run Status Changed'], detail: { status: ['FAILED', 'SUCCEEDED', 'CANCELLED'] } };
    const event = (status: string) => ({ source: 'dagy.execution', 'detail-type': 'Run Status Changed', detail: { status, run_id: 'r' } });
    expect(matchesPattern(pattern, event('FAILED'))).toBe(true);
    expect(matchesPattern(pattern, event('RUNNING'))).toBe(false);
    expect(ruleNamed('run-status-alerts')).toMatchObject({ kind: 'pattern', bus: 'dagy', target: 'alert-dispatcher' });
  });

  test('the SLA check runs every minute in the same function', () => {
    const props = ruleProps('alert-sla-tick');
    expect(props.ScheduleExpression).toBe('rate(1 minute)');
    expect((props.Targets as Array<{ Arn: unknown }>).map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [dispatcher.functionId, 'Arn'] }]);
  });
});

describe('alert dispatcher and alerts API grants', () => {
  test('SES SendEmail only from the configured sender; SNS Publish only to dagy-alerts-* topics', () => {
    for (const h of [dispatcher, httpAlerts]) {
      expect(env(h)[ENV.alertEmailFrom]).toBe('alerts@example.com');
      const statements = roleStatements(h.template, h.roleId);
      const ses = statements.filter((s) => s.Action.includes('ses:SendEmail'));
      expect(ses).toHaveLength(1);
      expect(ses[0]!.Action).toEqual(['ses:SendEmail']);
      expect(ses[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alerts@example.com' } });
      expect(JSON.stringify(ses[0]!.Resource)).toContain(':identity/*');
      const sns = statements.filter((s) => s.Action.includes('sns:Publish'));
      expect(sns).toHaveLength(1);
      expect(JSON.stringify(sns[0]!.Resource)).toContain(':sns:*:*:dagy-alerts-*');
    }
  });

  test('the dispatcher reads runs through their indexes (by-status for SLAs) and writes only alert tables', () => {
    const grants = tableGrants(data, roleStatements(dispatcher.template, dispatcher.roleId));
    expect([...grants.get('Run')!.indexes]).toEqual(expect.arrayContaining(['by-status', 'by-flow', 'by-deployment']));
    expect(grants.get('Run')!.actions.has('dynamodb:PutItem')).toBe(false);
    expect(grants.get('Run')!.actions.has('dynamodb:Scan')).toBe(false);
    expect([...grants.get('AlertRule')!.indexes]).toEqual(['sla-rules']);
    for (const entity of ['NotificationChannel', 'AlertRule'] as const) expect(grants.get(entity)!.actions.has('dynamodb:UpdateItem')).toBe(true);
    for (const entity of ['TaskRun', 'Deployment', 'Flow'] as const) expect(grants.get(entity)!.actions.has('dynamodb:PutItem')).toBe(false);
  });

  test('budget_threshold: the dispatcher reads the Subscription (budget) and UsageAggregate (cost_usd) items, and writes neither', () => {
    const grants = tableGrants(data, roleStatements(dispatcher.template, dispatcher.roleId));
    for (const entity of ['Subscription', 'UsageAggregate'] as const) {
      const grant = grants.get(entity)!;
      expect(grant).toBeDefined();
      expect(grant.actions.has('dynamodb:GetItem')).toBe(true);
      for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) expect(grant.actions.has(write)).toBe(false);
    }
    // Nothing else of usage or billing: not the events, not the run-admission leases.
    expect(grants.has('UsageEvent')).toBe(false);
    expect(sorted(grants.keys())).toEqual(sorted(['NotificationChannel', 'AlertRule', 'Run', 'TaskRun', 'Deployment', 'Flow', 'Subscription', 'UsageAggregate']));
  });

  test('the alert tables expire deliveries and firing marks by TTL; enabled SLA rules have a sparse index', () => {
    for (const entity of ['NotificationChannel', 'AlertRule'] as const) {
      const table = resource(dev.data, logicalIdOf(dev.stacks.data.tables[entity]));
      expect(table.Properties!.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at_epoch', Enabled: true });
    }
    const rules = resource(dev.data, logicalIdOf(dev.stacks.data.tables.AlertRule));
    expect(rules.Properties!.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'sla-rules',
        KeySchema: [
          { AttributeName: 'sla_shard', KeyType: 'HASH' },
          { AttributeName: 'sla_sort', KeyType: 'RANGE' },
        ],
      }),
    ]);
  });
});
