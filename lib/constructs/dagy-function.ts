import { existsSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, TenancyConfig, Tracing } from 'aws-cdk-lib/aws-lambda';
import type { FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { ENV, OBSERVABILITY_ENV, metricsNamespace, visibilityTimeoutSeconds } from '../../lambdas/catalogue';
import type { BucketAccess, BucketName, EntityName, FunctionDef, TableAccess } from '../../lambdas/catalogue';
import { acknowledge, REASONS } from '../nag-suppressions';
import { PROJECT_ROOT, fromRoot } from '../paths';
import type { StageConfig } from '../stage';
import { bindBucket, bindFunctionDef, bindTable } from './bindings';
import { DeadLetters } from './dead-letters';
import { nodejsBundling } from './function-bundling';
import type { BindTarget, BucketRef, CatalogueResources, TableRef } from './bindings';

/**
 * How function code is produced. `bundle`: esbuild (local, no Docker) from the catalogue entry.
 * `placeholder`: a one-line inline handler, for template tests and for synthesizing before every
 * entry file exists; everything else about the function (role, env, log group) is identical.
 */
export type CodeMode = 'bundle' | 'placeholder';

export interface DagyFunctionProps {
  readonly def: FunctionDef;
  readonly stage: StageConfig;
  readonly codeMode: CodeMode;
  /**
   * Lambda's own retries of an asynchronous invocation (EventBridge targets, Event invokes) before
   * it goes to the stack's dead-letter queue. Default 2; 0 where the caller owns retries (the
   * task runner: a Lambda-level retry would run the same attempt twice).
   */
  readonly asyncRetryAttempts?: number;
}

/** How long an asynchronous event may wait for a successful invocation before it is dead-lettered. */
const MAX_EVENT_AGE = Duration.hours(1);

const RUNTIME = Runtime.NODEJS_22_X;

/** A function's queue holding a message older than this is behind (the usage meter: usage lags). */
const QUEUE_BACKLOG_ALARM_SECONDS = 300;

export { ESM_REQUIRE_BANNER } from './function-bundling';

/** Placeholder handler: fails loudly if a placeholder synth is ever deployed and invoked. */
const PLACEHOLDER_CODE =
  'exports.handler = async () => { throw new Error("placeholder code: this stack was synthesized with dagy:skipBundling"); };';

/**
 * The one Lambda construct of Dagy: runtime, architecture, bundling, log group, tracing and the
 * catalogue's memory/timeout in one place, plus bindings that set an env var and its grant in the
 * same call.
 */
export class DagyFunction extends Construct implements BindTarget {
  readonly def: FunctionDef;
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /**
   * Errors and throttles of this function, and the age of the oldest message of its queue if it
   * has one (alarms named `<instance>-<stage>-<function>-…`).
   */
  readonly alarms: { errors: Alarm; throttles: Alarm; backlog?: Alarm };
  /** Where its rules deliver when the catalogue gives it a queue (`FunctionDef.queue`): batches of events. */
  readonly queue?: Queue;
  private readonly env = new Set<string>();

  constructor(scope: Construct, id: string, props: DagyFunctionProps) {
    super(scope, id);
    const { def, stage } = props;
    this.def = def;
    const untrusted = def.untrusted === true;
    if (untrusted && (Object.keys(def.tables).length > 0 || Object.keys(def.buckets).length > 0 || def.capabilities.length > 0)) {
      throw new Error(`${def.name} runs tenant code: it may bind no table, bucket or capability`);
    }

    // Own role, no AWS managed policy: log writes are granted on this function's group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Dagy ${stage.name} ${def.name}`,
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: stage.logRetention, removalPolicy: stage.removalPolicy });
    this.logGroup.grantWrite(this.role);

    const common: Omit<FunctionProps, 'code' | 'handler'> = {
      description: `Dagy ${def.name}: ${def.description}`.slice(0, 256),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: def.memoryMb,
      ...(def.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: def.reservedConcurrency }),
      timeout: Duration.seconds(def.timeoutSeconds),
      // Tenant code's function: no X-Ray grant either, so its role holds its log writes and nothing else.
      tracing: untrusted ? Tracing.DISABLED : Tracing.ACTIVE,
      // Execution environments (and their /tmp, pooled sandboxes) never serve two organizations.
      ...(untrusted ? { tenancyConfig: TenancyConfig.PER_TENANT } : {}),
      logGroup: this.logGroup,
      role: this.role,
      environment: {
        [ENV.stage]: stage.name,
        // Stack traces point at the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        // Powertools (lambdas/shared/logger.ts, metrics.ts, tracer.ts), the same on every function.
        [OBSERVABILITY_ENV.serviceName]: def.name,
        [OBSERVABILITY_ENV.logLevel]: stage.logLevel,
        [OBSERVABILITY_ENV.logSampleRate]: String(stage.logSampleRate),
        [OBSERVABILITY_ENV.metricsNamespace]: metricsNamespace(stage.instance, stage.name),
      },
    };

    this.function =
      props.codeMode === 'placeholder'
        ? new LambdaFunction(this, 'Function', { ...common, code: Code.fromInline(PLACEHOLDER_CODE), handler: 'index.handler' })
        : new NodejsFunction(this, 'Function', {
            ...common,
            entry: entryPath(def),
            handler: 'handler',
            projectRoot: PROJECT_ROOT,
            depsLockFilePath: fromRoot('package-lock.json'),
            // One definition of the build, shared with the bench and the bundle-size test.
            bundling: nodejsBundling(def),
          });
    for (const name of Object.keys(common.environment ?? {})) this.env.add(name);

    // Every asynchronous invocation ends somewhere visible: bounded retries, then the stack's DLQ.
    // Untrusted code (the code executor) is only invoked synchronously and holds no grant at all,
    // not even to a queue.
    if (def.untrusted !== true) {
      this.function.configureAsyncInvoke({
        retryAttempts: props.asyncRetryAttempts ?? 2,
        maxEventAge: MAX_EVENT_AGE,
        onFailure: new SqsDestination(DeadLetters.of(this, stage).queue),
      });
    }
    const alarm = (id: string, what: string, metric: ReturnType<LambdaFunction['metricErrors']>) =>
      new Alarm(this, id, {
        alarmName: `${stage.prefix}-${def.name}-${what}`,
        alarmDescription: `Dagy ${stage.prefix}: ${def.name} ${what}`,
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.alarms = {
      errors: alarm('ErrorsAlarm', 'errors', this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })),
      throttles: alarm('ThrottlesAlarm', 'throttles', this.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' })),
    };

    // Rule deliveries in batches: encrypted, TLS only, a visibility timeout that outlasts a batch
    // in flight, records that keep failing redriven to the stack's dead-letter queue, and partial
    // batch answers (one failed record does not redeliver its whole batch).
    if (def.queue !== undefined) {
      if (untrusted) throw new Error(`${def.name} runs tenant code: it may not consume a queue`);
      this.queue = new Queue(this, 'Queue', {
        queueName: `${stage.prefix}-${def.name}`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(def)),
        deadLetterQueue: { queue: DeadLetters.of(this, stage).queue, maxReceiveCount: def.queue.maxReceives },
      });
      this.function.addEventSource(
        new SqsEventSource(this.queue, {
          batchSize: def.queue.batchSize,
          maxBatchingWindow: Duration.seconds(def.queue.batchingWindowSeconds),
          reportBatchItemFailures: true,
        }),
      );
      this.alarms.backlog = new Alarm(this, 'BacklogAlarm', {
        alarmName: `${stage.prefix}-${def.name}-backlog`,
        alarmDescription: `Dagy ${stage.prefix}: ${def.name}'s queue holds a message older than ${QUEUE_BACKLOG_ALARM_SECONDS} s (its work is falling behind)`,
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: QUEUE_BACKLOG_ALARM_SECONDS,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    acknowledge(this, 'AwsSolutions-L1', REASONS.nodeRuntime);
    if (!untrusted) acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', REASONS.xrayWildcard);
  }

  get bindingName(): string {
    return this.def.name;
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  get policyScope(): IConstruct {
    return this.role;
  }

  addEnvironment(name: string, value: string): void {
    // Two bindings writing one variable would silently keep the last: refuse instead.
    if (this.env.has(name)) throw new Error(`${this.def.name}: environment variable ${name} bound twice`);
    this.env.add(name);
    this.function.addEnvironment(name, value);
  }

  hasEnvironment(name: string): boolean {
    return this.env.has(name);
  }

  bindTable(entity: EntityName, table: TableRef, access: TableAccess): void {
    bindTable(this, entity, table, access);
  }

  bindBucket(name: BucketName, bucket: BucketRef, access: BucketAccess): void {
    bindBucket(this, name, bucket, access);
  }

  /** Binds every table, bucket and capability the catalogue lists for this function. */
  bindCatalogue(resources: CatalogueResources): void {
    if (this.def.untrusted) return;
    bindFunctionDef(this, this.def, resources);
  }
}

function entryPath(def: FunctionDef): string {
  const entry = fromRoot(def.entry);
  if (!existsSync(entry)) throw new Error(`${def.name}: entry ${def.entry} does not exist`);
  return entry;
}

/** Catalogue entries whose file is missing (the app reports them all at once). */
export function missingEntries(defs: readonly FunctionDef[]): FunctionDef[] {
  return defs.filter((def) => !existsSync(fromRoot(def.entry)));
}
