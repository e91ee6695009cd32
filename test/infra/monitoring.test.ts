import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENV, FUNCTIONS, OBSERVABILITY_ENV, RULES, metricsNamespace } from '../../lambdas/catalogue';
import { SKIP_BUNDLING_CONTEXT, buildDagyApp } from '../../lib/app';
import { fromRoot } from '../../lib/paths';
import { stageConfig, stageFromContext } from '../../lib/stage';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { logicalIdOf, resources } from './template-helpers';
import type { CfnResource } from './template-helpers';

/*
 * Dead-letter queues, alarms, the dashboard and the instance prefix, checked generically over the
 * catalogues: a function or rule added later is covered without touching this file.
 */
let dev: Synth;
beforeAll(() => {
  dev = synthDagy('dev');
});

const templates = () => [dev.orchestration, dev.api, dev.events, dev.monitoring];
const all = (type: string): Array<[string, CfnResource, Template]> =>
  templates().flatMap((t) => Object.entries(resources(t, type)).map(([id, r]) => [id, r, t] as [string, CfnResource, Template]));
const props = (r: CfnResource): Record<string, unknown> => r.Properties ?? {};

describe('dead-letter queues', () => {
  test('every EventBridge rule target has a dead-letter queue, bounded retries and a maximum event age', () => {
    const targets = all('AWS::Events::Rule').flatMap(([, r]) => props(r).Targets as Array<Record<string, unknown>>);
    expect(targets.length).toBe(RULES.length);
    for (const target of targets) {
      expect(target.DeadLetterConfig).toEqual({ Arn: expect.anything() });
      const retry = target.RetryPolicy as { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
      expect(retry.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(retry.MaximumEventAgeInSeconds).toBeLessThanOrEqual(3600);
    }
  });

  test('every function has an async invoke config sending failures to a queue, retries bounded (none for the task runner)', () => {
    const configs = all('AWS::Lambda::EventInvokeConfig');
    // Untrusted code (the code executor) is only invoked synchronously and holds no grant, not even to a queue.
    expect(configs).toHaveLength(Object.values(FUNCTIONS).filter((d) => d.untrusted !== true).length);
    for (const [, config, template] of configs) {
      const p = props(config);
      const destination = (p.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': [string, string] } } }).OnFailure.Destination;
      const queueId = destination['Fn::GetAtt'][0];
      expect(resources(template, 'AWS::SQS::Queue')[queueId]).toBeDefined();
      expect(p.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(p.MaximumEventAgeInSeconds).toBeLessThanOrEqual(3600);
    }
    const taskRunnerId = logicalIdOf(dev.stacks.orchestration.functions['task-runner'].function);
    const own = configs.filter(([, c]) => JSON.stringify(props(c).FunctionName).includes(`"${taskRunnerId}"`));
    expect(own.map(([, c]) => props(c).MaximumRetryAttempts)).toEqual([0]);
  });

  test('every queue is encrypted, TLS-only, and named after the install and stage', () => {
    const queues = all('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const [id, queue, template] of queues) {
      expect(props(queue).SqsManagedSseEnabled).toBe(true);
      // A stack's dead-letter queue, or a function's own queue (named after the function).
      const name = String(props(queue).QueueName);
      const functionQueues = Object.values(FUNCTIONS).filter((d) => d.queue !== undefined).map((d) => `dagy-dev-${d.name}`);
      expect(/^dagy-dev-[a-z]+-dlq$/.test(name) || functionQueues.includes(name)).toBe(true);
      const policies = Object.values(resources(template, 'AWS::SQS::QueuePolicy')).filter((p) => JSON.stringify(props(p).Queues).includes(id));
      const statements = policies.flatMap((p) => (props(p).PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });
});

describe('alarms and dashboard', () => {
  const alarms = () => all('AWS::CloudWatch::Alarm').map(([, a]) => props(a));
  const alarmNamed = (name: string) => alarms().find((a) => a.AlarmName === name);

  test.each(Object.keys(FUNCTIONS))('%s has an errors and a throttles alarm', (name) => {
    expect(alarmNamed(`dagy-dev-${name}-errors`)).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
    expect(alarmNamed(`dagy-dev-${name}-throttles`)).toMatchObject({ MetricName: 'Throttles', Namespace: 'AWS/Lambda', Threshold: 0 });
  });

  test('every dead-letter queue has a depth > 0 alarm', () => {
    const queues = all('AWS::SQS::Queue').filter(([, q]) => String(props(q).QueueName).endsWith('-dlq'));
    const depth = alarms().filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(depth).toHaveLength(queues.length);
    for (const a of depth) expect(a).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test.each(Object.values(FUNCTIONS).filter((d) => d.queue !== undefined).map((d) => d.name))("%s's queue has a backlog alarm on its oldest message", (name) => {
    expect(alarmNamed(`dagy-dev-${name}-backlog`)).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Namespace: 'AWS/SQS', Threshold: 300, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('failed and timed-out executions, stuck runs and the API 5xx rate are alarmed', () => {
    expect(alarmNamed('dagy-dev-executions-failed')).toMatchObject({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
    expect(alarmNamed('dagy-dev-executions-timed-out')).toMatchObject({ MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' });
    expect(alarmNamed('dagy-dev-stuck-runs')).toMatchObject({
      MetricName: 'StuckRunsFound',
      Namespace: metricsNamespace('dagy', 'dev'),
      Dimensions: [{ Name: 'service', Value: 'run-reconciler' }],
      Threshold: 0,
    });
    const rate = alarmNamed('dagy-dev-api-5xx-rate')!;
    const metrics = rate.Metrics as Array<{ Expression?: string; MetricStat?: { Metric: { MetricName: string } } }>;
    expect(metrics.find((m) => m.Expression !== undefined)?.Expression).toContain('errors / requests');
    expect(metrics.map((m) => m.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual(['5xx', 'Count']);
  });

  test('one dashboard for the install, showing every alarm', () => {
    const dashboards = all('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const [, dashboard] = dashboards[0]!;
    expect(props(dashboard).DashboardName).toBe('dagy-dev-operations');
    const body = JSON.stringify(props(dashboard).DashboardBody);
    expect(body).toContain('Alarms');
    expect(body).toContain('Dead-letter queues');
    expect(body).toContain('StuckRunsFound');
  });

  test('every function carries the Powertools settings', () => {
    const dagyFunctions = all('AWS::Lambda::Function').filter(([, fn]) => JSON.stringify(props(fn).Environment ?? {}).includes(ENV.stage));
    expect(dagyFunctions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [, fn] of dagyFunctions) {
      const vars = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars[OBSERVABILITY_ENV.serviceName]).toEqual(expect.any(String));
      expect(Object.values(FUNCTIONS).map((d) => d.name)).toContain(vars[OBSERVABILITY_ENV.serviceName]);
      expect(vars[OBSERVABILITY_ENV.logLevel]).toBe(stageConfig('dev').logLevel);
      expect(vars[OBSERVABILITY_ENV.metricsNamespace]).toBe('Dagy/dagy-dev');
    }
  });
});

describe('instance prefix', () => {
  test('another instance gets its own stacks, bus, queues, alarms, dashboard and metric namespace', () => {
    const cdkJson = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const app = new App({ context: { ...cdkJson.context, stage: 'dev', instance: 'team2', [SKIP_BUNDLING_CONTEXT]: true } });
    const stacks = buildDagyApp(app);
    expect(stacks.data.stackName).toBe('Team2-dev-Data');
    const data = Template.fromStack(stacks.data);
    data.hasResourceProperties('AWS::Events::EventBus', { Name: 'team2-dev' });
    const monitoring = Template.fromStack(stacks.monitoring);
    monitoring.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'team2-dev-operations' });
    const events = Template.fromStack(stacks.events);
    events.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'team2-dev-events-dlq' });
    for (const alarm of Object.values(resources(events, 'AWS::CloudWatch::Alarm'))) expect(String(props(alarm).AlarmName)).toMatch(/^team2-dev-/);
    for (const fn of Object.values(resources(events, 'AWS::Lambda::Function')).filter((f) => JSON.stringify(props(f).Environment ?? {}).includes(ENV.stage))) {
      expect((props(fn).Environment as { Variables: Record<string, unknown> }).Variables[OBSERVABILITY_ENV.metricsNamespace]).toBe('Dagy/team2-dev');
    }
  });

  test('a malformed instance stops the synth', () => {
    expect(() => stageFromContext(new App({ context: { stage: 'dev', instance: 'Bad Name' } }))).toThrow(/Invalid instance/);
  });
});
