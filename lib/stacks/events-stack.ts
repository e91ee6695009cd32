import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import type { EventPattern as CdkEventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
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
import { ORCHESTRATION_FUNCTIONS, type OrchestrationStack } from './orchestration-stack';

/** The functions this stack hosts: every target of the events catalogue's rules, but those of the orchestration stack. */
export function eventFunctionNames(): FunctionName[] {
  return [...new Set(RULES.map((rule) => rule.target))].filter((name) => !(ORCHESTRATION_FUNCTIONS as readonly string[]).includes(name));
}

/** The rules whose target lives with the run state machine: the orchestration stack hosts them. */
export function orchestrationRules(): RuleDef[] {
  return RULES.filter((rule) => (ORCHESTRATION_FUNCTIONS as readonly string[]).includes(rule.target));
}

/** One catalogued rule on `scope`, targeting `target`. */
export function catalogueRule(scope: Construct, rule: RuleDef, target: DagyFunction, resources: CatalogueResources, stage: StageConfig): Rule {
  // A failed delivery is retried briefly, then dead-lettered (a malformed event never loops);
  // the function's own async failures go to the same queue (DagyFunction). A function with a
  // queue gets its events there, in batches.
  const delivery = { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: DeadLetters.of(scope, stage).queue };
  const ruleTarget = target.queue !== undefined ? new SqsQueue(target.queue, delivery) : new LambdaFunction(target.function, delivery);
  const dagyBus = rule.kind === 'pattern' && rule.bus === 'dagy' ? EventBus.fromEventBusArn(scope, `Bus${pascal(rule.name)}`, resources.eventBus.eventBusArn) : undefined;
  return new Rule(scope, `Rule${pascal(rule.name)}`, {
    description: `Dagy ${stage.name}: ${rule.description}`,
    targets: [ruleTarget],
    ...(rule.kind === 'schedule'
      ? { schedule: Schedule.expression(rule.expression) }
      : {
          eventBus: dagyBus,
          eventPattern: eventPattern(rule, rule.matchBucket === undefined ? undefined : resources.buckets[rule.matchBucket].bucketName),
        }),
  });
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

    for (const rule of RULES) {
      if (orchestrationRules().includes(rule)) continue;
      const target = this.functions[rule.target];
      if (!target) throw new Error(`rule ${rule.name}: target ${rule.target} is not hosted by ${this.stackName}`);
      this.rules[rule.name] = catalogueRule(this, rule, target, resources, stage);
    }
  }
}

function eventPattern(rule: Extract<RuleDef, { kind: 'pattern' }>, bucketName: string | undefined): CdkEventPattern {
  const detail: Record<string, unknown> = { ...rule.pattern.detail };
  if (bucketName !== undefined) {
    const bucket = typeof detail.bucket === 'object' && detail.bucket !== null ? detail.bucket : {};
    detail.bucket = { ...bucket, name: [bucketName] };
  }
  return {
    source: rule.pattern.source,
    detailType: rule.pattern['detail-type'],
    detail: Object.keys(detail).length > 0 ? detail : undefined,
  };
}
