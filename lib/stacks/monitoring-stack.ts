import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC, metricsNamespace } from '../../lambdas/catalogue';
import type { DagyFunction } from '../constructs/dagy-function';
import { DeadLetters } from '../constructs/dead-letters';
import type { StageConfig } from '../stage';
import type { ApiStack } from './api-stack';
import type { EventsStack } from './events-stack';
import type { OrchestrationStack } from './orchestration-stack';

export interface MonitoringStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly orchestration: OrchestrationStack;
  readonly api: ApiStack;
  readonly events: EventsStack;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator watches: alarms on the run state machine (failed, timed-out executions), on
 * stuck runs the reconciler finds, on the API's 5xx rate, and one dashboard with every function
 * (errors, throttles, duration), every dead-letter queue and every alarm of the install. Function
 * and DLQ alarms live with their resources (DagyFunction, DeadLetters); this stack shows them all.
 */
export class MonitoringStack extends Stack {
  readonly alarms: Record<'executionsFailed' | 'executionsTimedOut' | 'stuckRuns' | 'api5xxRate', Alarm>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { stage, orchestration, api, events } = props;
    const name = (what: string) => `${stage.prefix}-${what}`;
    const alarm = (alarmId: string, what: string, description: string, metric: IMetric, threshold: number) =>
      new Alarm(this, alarmId, {
        alarmName: name(what),
        alarmDescription: `Dagy ${stage.prefix}: ${description}`,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const machine = orchestration.stateMachine;
    const failed = machine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' });
    const timedOut = machine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' });
    // Emitted by the reconciler (lambdas/execution/reconciler/reconcile.ts) after every sweep;
    // Powertools adds the service dimension.
    const stuck = new Metric({
      namespace: metricsNamespace(stage.instance, stage.name),
      metricName: METRIC.stuckRunsFound,
      dimensionsMap: { service: 'run-reconciler' },
      period: FIVE_MINUTES,
      statistic: 'Sum',
    });
    const apiDimensions = { ApiId: api.api.apiId, Stage: '$default' };
    const api5xx = new Metric({ namespace: 'AWS/ApiGateway', metricName: '5xx', dimensionsMap: apiDimensions, period: FIVE_MINUTES, statistic: 'Sum' });
    const apiCount = new Metric({ namespace: 'AWS/ApiGateway', metricName: 'Count', dimensionsMap: apiDimensions, period: FIVE_MINUTES, statistic: 'Sum' });
    const api5xxRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: api5xx, requests: apiCount },
      label: 'API 5xx (% of requests)',
      period: FIVE_MINUTES,
    });

    this.alarms = {
      executionsFailed: alarm('ExecutionsFailedAlarm', 'executions-failed', 'run state machine executions failed (an orchestration step failed for good)', failed, 0),
      executionsTimedOut: alarm('ExecutionsTimedOutAlarm', 'executions-timed-out', 'run state machine executions timed out', timedOut, 0),
      stuckRuns: alarm('StuckRunsAlarm', 'stuck-runs', 'the run reconciler found runs stuck QUEUED or RUNNING without a live execution', stuck, 0),
      api5xxRate: alarm('Api5xxRateAlarm', 'api-5xx-rate', 'more than 1% of API requests answered 5xx', api5xxRate, 1),
    };

    const functions: DagyFunction[] = [...Object.values(orchestration.functions), ...Object.values(api.functions), ...Object.values(events.functions)].filter(
      (f): f is DagyFunction => f !== undefined,
    );
    const deadLetters = DeadLetters.inStacks([orchestration, api, events]);
    const everyAlarm = [
      ...Object.values(this.alarms),
      ...deadLetters.map((d) => d.alarm),
      ...functions.flatMap((f) => [f.alarms.errors, f.alarms.throttles, ...(f.alarms.backlog === undefined ? [] : [f.alarms.backlog])]),
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: name('operations'), defaultInterval: Duration.hours(3) });
    const perFunction = (metric: (f: DagyFunction) => IMetric) => functions.map(metric);
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Dagy ${stage.prefix}\nRuns, functions, dead-letter queues and alarms of this install. Stuck runs are finished by the run reconciler every minute.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: everyAlarm, width: 24, height: 6 }));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Run executions', left: [machine.metricSucceeded({ period: FIVE_MINUTES, statistic: 'Sum' }), failed, timedOut], width: 8 }),
      new GraphWidget({ title: 'Stuck runs found', left: [stuck], width: 8 }),
      new GraphWidget({ title: 'API requests and 5xx', left: [apiCount, api5xx], right: [api5xxRate], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Function errors', left: perFunction((f) => f.function.metricErrors({ period: FIVE_MINUTES, label: f.def.name })), width: 8 }),
      new GraphWidget({ title: 'Function throttles', left: perFunction((f) => f.function.metricThrottles({ period: FIVE_MINUTES, label: f.def.name })), width: 8 }),
      new GraphWidget({
        title: 'Function duration (p99)',
        left: perFunction((f) => f.function.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: f.def.name })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues (messages visible)',
        left: deadLetters.map((d) => d.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Runs and task runs finished',
        left: [METRIC.runsFinished, METRIC.taskRunsFinished].map(
          (metricName) => new MathExpression({ expression: `SUM(SEARCH('{${metricsNamespace(stage.instance, stage.name)},executor,service,status} MetricName="${metricName}"', 'Sum', 300))`, label: metricName, period: FIVE_MINUTES }),
        ),
        width: 12,
      }),
    );
  }
}
