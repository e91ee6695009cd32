import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import type { EventPattern as CdkEventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { FUNCTIONS, RULES } from '../../lambdas/catalogue';
import type { FunctionName, RuleDef } from '../../lambdas/catalogue';
import type { CatalogueResources } from '../constructs/bindings';
import { DagyFunction } from '../constructs/dagy-function';
import { DeadLetters } from '../constructs/dead-letters';
import type { CodeMode } from '../constructs/dagy-function';
import { pascal } from '../names';
import type { StageConfig } from '../stage';
import type { DataStack } from './data-stack';
import type { OrchestrationStack } from './orchestration-stack';

/** The functions this stack hosts: every target of the events catalogue's rules. */
export function eventFunctionNames(): FunctionName[] {
  return [...new Set(RULES.map((rule) => rule.target))];
}

export interface EventsStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly orchestration: OrchestrationStack;
  readonly codeMode: CodeMode;
}

/** Event-driven work: the rules of the events catalogue and the functions they invoke. */
export class EventsStack extends Stack {
  readonly functions: Partial<Record<FunctionName, DagyFunction>> = {};
  readonly rules: Record<string, Rule> = {};

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);
    const { stage, data, orchestration, codeMode } = props;
    const resources: CatalogueResources = { ...data.importInto(this), ...orchestration.importInto(this) };

    for (const name of eventFunctionNames()) {
      const fn = new DagyFunction(this, pascal(name), { def: FUNCTIONS[name], stage, codeMode });
      fn.bindCatalogue(resources);
      this.functions[name] = fn;
    }

    const dagyBus = EventBus.fromEventBusArn(this, 'DagyBus', resources.eventBus.eventBusArn);
    for (const rule of RULES) {
      const target = this.functions[rule.target];
      if (!target) throw new Error(`rule ${rule.name}: target ${rule.target} is not hosted by ${this.stackName}`);
      // A failed delivery is retried briefly, then dead-lettered (a malformed event never loops);
      // the function's own async failures go to the same queue (DagyFunction).
      const lambdaTarget = new LambdaFunction(target.function, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: DeadLetters.of(this, stage).queue,
      });
      this.rules[rule.name] = new Rule(this, `Rule${pascal(rule.name)}`, {
        description: `Dagy ${stage.name}: ${rule.description}`,
        targets: [lambdaTarget],
        ...(rule.kind === 'schedule'
          ? { schedule: Schedule.expression(rule.expression) }
          : {
              eventBus: rule.bus === 'dagy' ? dagyBus : undefined,
              eventPattern: eventPattern(rule, resources.buckets.ingest.bucketName),
            }),
      });
    }
  }
}

function eventPattern(rule: Extract<RuleDef, { kind: 'pattern' }>, ingestBucketName: string): CdkEventPattern {
  const detail: Record<string, unknown> = { ...rule.pattern.detail };
  if (rule.matchIngestBucket) {
    const bucket = typeof detail.bucket === 'object' && detail.bucket !== null ? detail.bucket : {};
    detail.bucket = { ...bucket, name: [ingestBucketName] };
  }
  return {
    source: rule.pattern.source,
    detailType: rule.pattern['detail-type'],
    detail: Object.keys(detail).length > 0 ? detail : undefined,
  };
}
