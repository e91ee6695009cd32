import { FUNCTIONS, RULES, matchesPattern } from '../../lambdas/catalogue';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { DataIndex, hostedFunctions, logicalIdOf, resource, resources, roleStatements, sorted, tableGrants } from './template-helpers';
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
  test('is hosted by the events stack; two rules on the Dagy bus deliver to its queue, not to the function', () => {
    const meter = dev.stacks.events.functions['usage-meter']!;
    expect(meter).toBeDefined();
    expect(meter.queue).toBeDefined();
    expect(usageRules.map((r) => r.name).sort()).toEqual(['usage-run-status', 'usage-task-attempts']);
    for (const rule of usageRules) {
      const props = resource(dev.events, logicalIdOf(dev.stacks.events.rules[rule.name]!)).Properties!;
      // Not the default bus: the rule names the Dagy bus (imported from the data stack).
      expect(props.EventBusName).toBeDefined();
      const targets = props.Targets as Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown } }>;
      expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(meter.queue!), 'Arn'] }]);
      expect(targets[0]!.DeadLetterConfig).toBeDefined();
    }
    // No rule invokes the meter directly: its only trigger is the queue.
    const permissions = Object.values(resources(dev.events, 'AWS::Lambda::Permission')).filter((p) => JSON.stringify(p.Properties!.FunctionName).includes(logicalIdOf(meter.function)));
    expect(permissions).toEqual([]);
  });

  test('its queue: encrypted, TLS only, written by the two rules alone, redriven to the dead letters, read in partial batches', () => {
    const meter = dev.stacks.events.functions['usage-meter']!;
    const queueId = logicalIdOf(meter.queue!);
    const def = FUNCTIONS['usage-meter'];
    const queue = resource(dev.events, queueId).Properties!;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.QueueName).toBe('dagy-dev-usage-meter');
    // Six times the function's timeout plus the batching window: a batch in flight is not handed out twice.
    expect(queue.VisibilityTimeout).toBe(6 * def.timeoutSeconds + def.queue!.batchingWindowSeconds);
    const redrive = queue.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] }; maxReceiveCount: number };
    expect(redrive.maxReceiveCount).toBe(def.queue!.maxReceives);
    expect(resource(dev.events, redrive.deadLetterTargetArn['Fn::GetAtt'][0]).Properties!.QueueName).toBe('dagy-dev-events-dlq');

    const statements = Object.values(resources(dev.events, 'AWS::SQS::QueuePolicy'))
      .filter((p) => JSON.stringify(p.Properties!.Queues).includes(`"${queueId}"`))
      .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Array<Json> }).Statement);
    const allows = statements.filter((st) => st.Effect === 'Allow');
    // Only EventBridge may send, and only for the usage rules.
    expect(allows.every((st) => JSON.stringify(st.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }))).toBe(true);
    const sources = allows.map((st) => JSON.stringify((st.Condition as { ArnEquals: Json }).ArnEquals['aws:SourceArn']));
    expect(sources.sort()).toEqual(usageRules.map((r) => JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(dev.stacks.events.rules[r.name]!), 'Arn'] })).sort());
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));

    const mappings = Object.values(resources(dev.events, 'AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties!.FunctionName).includes(logicalIdOf(meter.function)));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: def.queue!.batchSize,
      MaximumBatchingWindowInSeconds: def.queue!.batchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The meter consumes its own queue (and sends nothing to it); receiving is granted on no other.
    const sqs = roleStatements(hostedOf('usage-meter').template, hostedOf('usage-meter').roleId).filter((st) => st.Action.some((a) => a.startsWith('sqs:')));
    const onQueue = sqs.filter((st) => JSON.stringify(st.Resource) === JSON.stringify([{ 'Fn::GetAtt': [queueId, 'Arn'] }]));
    expect(onQueue.flatMap((st) => st.Action).sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
    for (const st of sqs.filter((s) => !onQueue.includes(s))) expect(st.Action).not.toContain('sqs:ReceiveMessage');
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

  test('may put, read and flip usage events (never delete them) and update aggregates', () => {
    const grants = grantsOf('usage-meter');
    expect(sorted(grants.keys())).toEqual(['UsageAggregate', 'UsageEvent']);
    // The claim (PutItem), the strong read of a claim found taken (GetItem), the flip (UpdateItem).
    const eventActions = grants.get('UsageEvent')!.actions;
    for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']) expect(eventActions.has(action)).toBe(true);
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(eventActions.has(action)).toBe(false);
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
