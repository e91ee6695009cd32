import { FUNCTIONS, RULES, tableEnvVar } from '../../lambdas/catalogue';
import { TASK_RUNNER_RESERVED_CONCURRENCY } from '../../lambdas/catalogue/functions/execution';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { hostedFunctions, logicalIdOf, resource, resources, roleStatements } from './template-helpers';
import type { HostedFunction, Json } from './template-helpers';

// Plans and limits in the stack: reserved concurrency, the lease sweeper and its rule, the
// Subscription table's lease index, the subscription routes.
let dev: Synth;
let hosted: HostedFunction[];
beforeAll(() => {
  dev = synthDagy('dev');
  hosted = hostedFunctions(dev);
});

const fn = (name: string): HostedFunction => {
  const found = hosted.find((h) => h.def.name === name);
  if (found === undefined) throw new Error(`${name} is not hosted`);
  return found;
};
const fnProps = (h: HostedFunction): Json => resource(h.template, h.functionId).Properties!;

describe('reserved concurrency', () => {
  test('the task runner reserves its concurrency (one tenant cannot take the account)', () => {
    expect(TASK_RUNNER_RESERVED_CONCURRENCY).toBeGreaterThan(0);
    expect(fnProps(fn('task-runner')).ReservedConcurrentExecutions).toBe(TASK_RUNNER_RESERVED_CONCURRENCY);
  });

  test('only functions whose catalogue entry asks for it reserve concurrency', () => {
    for (const h of hosted) {
      expect([h.def.name, fnProps(h).ReservedConcurrentExecutions]).toEqual([h.def.name, FUNCTIONS[h.def.name].reservedConcurrency]);
    }
  });
});

describe('lease sweeper', () => {
  test('a rate(1 minute) rule invokes it', () => {
    const rule = RULES.find((r) => r.name === 'lease-sweeper-tick');
    expect(rule).toMatchObject({ kind: 'schedule', expression: 'rate(1 minute)', target: 'lease-sweeper' });
    const sweeper = fn('lease-sweeper');
    expect(sweeper.template).toBe(dev.events);
    const props = resource(dev.events, logicalIdOf(dev.stacks.events.rules['lease-sweeper-tick']!)).Properties!;
    expect(props.ScheduleExpression).toBe('rate(1 minute)');
    expect((props.Targets as { Arn: unknown }[]).map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [sweeper.functionId, 'Arn'] }]);
  });

  test('it may describe executions of the run state machine and write the Subscription table', () => {
    const sweeper = fn('lease-sweeper');
    const statements = roleStatements(sweeper.template, sweeper.roleId);
    const actions = statements.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['states:DescribeExecution', 'states:StartExecution', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    const env = (fnProps(sweeper).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining([tableEnvVar('Subscription'), tableEnvVar('Run'), tableEnvVar('Deployment')]));
  });
});

test('the Subscription table has the sparse lease-shard index the sweeper queries', () => {
  const table = resource(dev.data, logicalIdOf(dev.stacks.data.tables.Subscription)).Properties!;
  const gsis = table.GlobalSecondaryIndexes as Array<{ IndexName: string; KeySchema: Json[]; Projection: Json }>;
  expect(gsis).toEqual([{ IndexName: 'by-lease-shard', KeySchema: [{ AttributeName: 'lease_shard', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }]);
});

test('GET|PUT /v1/subscription are routed to the billing function behind the authorizer', () => {
  const routes = Object.values(resources(dev.api, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!);
  for (const key of ['GET /v1/subscription', 'PUT /v1/subscription']) {
    const route = routes.find((r) => r.RouteKey === key);
    expect(route).toBeDefined();
    expect(route!.AuthorizationType).toBe('CUSTOM');
  }
  expect(fn('http-billing').template).toBe(dev.api);
});
