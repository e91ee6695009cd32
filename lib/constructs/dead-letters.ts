import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../nag-suppressions';
import type { StageConfig } from '../stage';

const ID = 'DeadLetters';

/**
 * The dead-letter queue of one stack: where an asynchronous invocation of any of its functions
 * (after its bounded retries) and an EventBridge delivery to any of its rule targets end up, so
 * that nothing asynchronous fails silently. Encrypted (SQS-managed keys), TLS only, 14 days of
 * retention, and an alarm as soon as it holds a message.
 */
export class DeadLetters extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  private constructor(scope: Stack, stage: StageConfig) {
    super(scope, ID);
    const kind = stackKind(scope);
    this.queue = new Queue(this, 'Queue', {
      queueName: `${stage.prefix}-${kind}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.queue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the stack\'s functions and rule targets; a DLQ of a DLQ would only move the problem.');
    this.alarm = new Alarm(this, 'DepthAlarm', {
      alarmName: `${stage.prefix}-${kind}-dlq-not-empty`,
      alarmDescription: `Dagy ${stage.prefix}: a message reached the ${kind} dead-letter queue (a failed asynchronous invocation or event delivery)`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The stack's dead-letter queue, created on first use. */
  static of(scope: IConstruct, stage: StageConfig): DeadLetters {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ID);
    return existing instanceof DeadLetters ? existing : new DeadLetters(stack, stage);
  }

  /** Every dead-letter queue created in `stacks`. */
  static inStacks(stacks: readonly Stack[]): DeadLetters[] {
    return stacks.map((s) => s.node.tryFindChild(ID)).filter((c): c is DeadLetters => c instanceof DeadLetters);
  }
}

/** `Dagy-dev-Orchestration` → `orchestration`. */
function stackKind(stack: Stack): string {
  return (stack.node.id.split('-').pop() ?? stack.node.id).toLowerCase();
}
