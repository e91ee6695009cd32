import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { BUCKET_ENV, CAPABILITY_ENV, ENV, RUN_OBJECT_WRITE_PREFIXES, TABLES, tableEnvVar } from '../../lambdas/catalogue';
import type {
  BucketAccess,
  BucketName,
  Capability,
  EntityName,
  FunctionDef,
  TableAccess,
} from '../../lambdas/catalogue';
import { REASONS, acknowledge, acknowledgeWildcardResource } from '../nag-suppressions';

/** What a binding needs of a table: its name for the environment, its ARN for the grant. */
export interface TableRef {
  readonly tableName: string;
  readonly tableArn: string;
}
export interface BucketRef {
  readonly bucketName: string;
  readonly bucketArn: string;
}
export interface KeyRef {
  readonly keyArn: string;
}
export interface EventBusRef {
  readonly eventBusName: string;
  readonly eventBusArn: string;
}
export interface StateMachineRef {
  readonly stateMachineArn: string;
  /** arn:...:execution:<name>:* — Stop/Describe act on executions, not on the state machine. */
  readonly executionArnPattern: string;
}
export interface FunctionRef {
  readonly functionName: string;
  readonly functionArn: string;
}
/** The ECS runner as a RunTask caller sees it. */
export interface EcsRunnerRef {
  readonly clusterArn: string;
  readonly clusterName: string;
  /** RunTask by family runs the latest ACTIVE revision, so callers survive task definition updates. */
  readonly taskDefinitionFamily: string;
  readonly containerName: string;
  /** Comma-separated subnet ids. */
  readonly subnetIds: string;
  readonly securityGroupId: string;
  /** Task role and execution role: RunTask passes both. */
  readonly passRoleArns: readonly string[];
}

/**
 * Everything a catalogue binding may point at. Stacks fill in what they host or import; a
 * function whose catalogue entry needs something its stack did not provide fails the synth.
 */
export interface CatalogueResources {
  readonly tables: Readonly<Record<EntityName, TableRef>>;
  readonly buckets: Readonly<Record<BucketName, BucketRef>>;
  readonly secretsKey: KeyRef;
  readonly eventBus: EventBusRef;
  readonly stateMachine?: StateMachineRef;
  readonly taskRunner?: FunctionRef;
  readonly codeExecutor?: FunctionRef;
  readonly ecsRunner?: EcsRunnerRef;
}

/** Something that runs Dagy code: a Lambda function or the ECS runner container. */
export interface BindTarget {
  /** For error messages. */
  readonly bindingName: string;
  readonly grantPrincipal: IPrincipal;
  /** Where cdk-nag acknowledgements for this target's policy are recorded (its role). */
  readonly policyScope: IConstruct;
  addEnvironment(name: string, value: string): void;
  hasEnvironment(name: string): boolean;
}

// Explicit action lists rather than grantReadData/grantReadWriteData: those add Scan and stream
// reads (the design serves every access pattern by key or GSI) and `index/*` wildcards; here each
// GSI the catalogue lists is named, so the grant is exactly what the repositories use.
const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;
const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  describe: ['dynamodb:DescribeTable'],
  read: READ_ACTIONS,
  readwrite: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  // Append-only (audit and access logs): never UpdateItem, DeleteItem or BatchWriteItem.
  append: ['dynamodb:PutItem'],
  readappend: [...READ_ACTIONS, 'dynamodb:PutItem'],
  // Put and update in place (usage events' claims), never DeleteItem or BatchWriteItem.
  readupdate: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};
/** Accesses that Query, hence need the catalogued GSIs. */
const USES_INDEXES: Record<TableAccess, boolean> = {
  describe: false,
  read: true,
  readwrite: true,
  append: false,
  readappend: true,
  readupdate: true,
};

const OBJECT_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] as const;
const BUCKET_OBJECT_ACTIONS: Record<BucketAccess, readonly string[]> = {
  name: [],
  read: ['s3:GetObject'],
  readwrite: ['s3:GetObject', ...OBJECT_WRITE_ACTIONS],
  'run-objects': ['s3:GetObject'],
};

/** Sets the table's env var and grants exactly `access` on it (and its catalogued GSIs). */
export function bindTable(target: BindTarget, entity: EntityName, table: TableRef, access: TableAccess): void {
  target.addEnvironment(tableEnvVar(entity), table.tableName);
  const resources = [
    table.tableArn,
    ...(USES_INDEXES[access] ? TABLES[entity].indexes.map((index) => `${table.tableArn}/index/${index.name}`) : []),
  ];
  target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources }));
}

/** Sets the bucket's env var and grants object access (and listing) to match `access` ('name': none). */
export function bindBucket(target: BindTarget, name: BucketName, bucket: BucketRef, access: BucketAccess): void {
  target.addEnvironment(BUCKET_ENV[name], bucket.bucketName);
  if (access === 'name') return;
  const objects = `${bucket.bucketArn}/*`;
  target.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...BUCKET_OBJECT_ACTIONS[access]], resources: [objects] }),
  );
  target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  acknowledgeWildcardResource(
    target.policyScope,
    objects,
    `${target.bindingName} reads${access === 'readwrite' ? ' and writes' : ''} objects under keys chosen at run time (artifacts, run outputs, uploads) in the ${name} bucket only`,
  );
  if (access !== 'run-objects') return;
  // Writes only under the run-object prefixes: never flow artifacts, never the runner bundle.
  for (const prefix of RUN_OBJECT_WRITE_PREFIXES) {
    const arn = `${bucket.bucketArn}/${prefix}/*`;
    target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...OBJECT_WRITE_ACTIONS], resources: [arn] }));
    acknowledgeWildcardResource(target.policyScope, arn, `${target.bindingName} writes run objects (outputs, logs, ECS orders) under ${prefix}/ only; keys hold org and run ids chosen at run time`);
  }
}

/** Sets the env vars of one capability and grants the matching actions. */
export function bindCapability(target: BindTarget, capability: Capability, resources: CatalogueResources): void {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(`${target.bindingName} needs ${capability} but its stack provides no ${what}`);
    }
    return value;
  };
  const allow = (actions: string[], arns: string[]): void => {
    target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: arns }));
  };
  switch (capability) {
    case 'kms:secrets': {
      target.addEnvironment(ENV.kmsKeyId, resources.secretsKey.keyArn);
      allow(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], [resources.secretsKey.keyArn]);
      break;
    }
    case 'events:put': {
      target.addEnvironment(ENV.eventBusName, resources.eventBus.eventBusName);
      allow(['events:PutEvents'], [resources.eventBus.eventBusArn]);
      break;
    }
    case 'states:start': {
      const machine = need(resources.stateMachine, 'run state machine');
      target.addEnvironment(ENV.stateMachineArn, machine.stateMachineArn);
      allow(['states:StartExecution'], [machine.stateMachineArn]);
      allow(['states:StopExecution', 'states:DescribeExecution'], [machine.executionArnPattern]);
      acknowledgeWildcardResource(
        target.policyScope,
        machine.executionArnPattern,
        `${target.bindingName} stops and describes executions of the run state machine only; execution names are run ids chosen at run time`,
      );
      break;
    }
    case 'states:callback': {
      // Task tokens are not ARNs: SendTask* support no resource-level permission, so scoping them
      // to the state machine would deny every call. Still bound to a stack hosting the machine.
      need(resources.stateMachine, 'run state machine');
      allow(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], ['*']);
      acknowledge(target.policyScope, 'AwsSolutions-IAM5[Resource::*]', REASONS.taskTokenCallbacks);
      break;
    }
    case 'lambda:invoke-code-executor': {
      const executor = need(resources.codeExecutor, 'code executor function');
      target.addEnvironment(ENV.codeExecutorFunction, executor.functionName);
      allow(['lambda:InvokeFunction'], [executor.functionArn]);
      break;
    }
    case 'lambda:invoke-task-runner': {
      const runner = need(resources.taskRunner, 'task runner function');
      target.addEnvironment(ENV.taskRunnerFunction, runner.functionName);
      allow(['lambda:InvokeFunction'], [runner.functionArn]);
      break;
    }
    case 'ecs:run-task': {
      const ecs = need(resources.ecsRunner, 'ECS runner');
      target.addEnvironment(ENV.ecsCluster, ecs.clusterArn);
      target.addEnvironment(ENV.ecsTaskDefinition, ecs.taskDefinitionFamily);
      target.addEnvironment(ENV.ecsSubnets, ecs.subnetIds);
      target.addEnvironment(ENV.ecsSecurityGroup, ecs.securityGroupId);
      target.addEnvironment(ENV.ecsContainerName, ecs.containerName);
      grantEcsRunTask(target.grantPrincipal, target.policyScope, target.bindingName, ecs);
      break;
    }
    case 'ses:send': {
      // SendEmail only from the one configured sender (cdk.json context dagy:alertEmailFrom), to
      // any recipient: the identity ARN names the sender's verified domain or address.
      const from = alertEmailFrom(Stack.of(target.policyScope));
      const stack = Stack.of(target.policyScope);
      target.addEnvironment(ENV.alertEmailFrom, from);
      const identities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
      target.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['ses:SendEmail'], resources: [identities], conditions: { StringEquals: { 'ses:FromAddress': from } } }),
      );
      acknowledgeWildcardResource(
        target.policyScope,
        identities,
        `${target.bindingName} sends alert emails; SES authorizes SendEmail on the sender's and each recipient's identity, and the ses:FromAddress condition pins the sender to ${from}`,
      );
      break;
    }
    case 'sns:publish': {
      // Tenants name their own topics; Dagy may publish only to topics named with the alerts
      // prefix (checked again at the API: lambdas/alerts/channel-config.ts SNS_TOPIC_PREFIX).
      const topics = `arn:${Stack.of(target.policyScope).partition}:sns:*:*:dagy-alerts-*`;
      allow(['sns:Publish'], [topics]);
      acknowledgeWildcardResource(
        target.policyScope,
        topics,
        `${target.bindingName} publishes alerts to tenant-chosen SNS topics (any region or account whose topic policy allows it), only those named dagy-alerts-*`,
      );
      break;
    }
    default: {
      const unknown: never = capability;
      throw new Error(`${target.bindingName}: no binding for capability ${String(unknown)}`);
    }
  }
}

/**
 * RunTask of the runner family in the runner cluster, Stop/Describe of that cluster's tasks, and
 * PassRole of the task's two roles to ECS only. Shared by the functions and the state machine.
 */
export function grantEcsRunTask(principal: IPrincipal, policyScope: IConstruct, who: string, ecs: EcsRunnerRef): void {
  const stack = Stack.of(policyScope);
  const taskDefinitions = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${ecs.taskDefinitionFamily}:*` });
  const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${ecs.clusterName}/*` });
  principal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [taskDefinitions],
      conditions: { ArnEquals: { 'ecs:cluster': ecs.clusterArn } },
    }),
  );
  principal.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: [tasks] }));
  principal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [...ecs.passRoleArns],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  );
  acknowledgeWildcardResource(
    policyScope,
    taskDefinitions,
    `${who} runs any revision of the runner task definition family (callers name the family so they survive revisions), in the runner cluster only`,
  );
  acknowledgeWildcardResource(policyScope, tasks, `${who} stops and describes tasks of the runner cluster only; task ids are known only at run time`);
}

/**
 * Binds everything the catalogue lists for `def`: tables, buckets and capabilities, each env var
 * set in the same call as its grant so the two cannot drift.
 */
export function bindFunctionDef(target: BindTarget, def: FunctionDef, resources: CatalogueResources): void {
  for (const [entity, access] of Object.entries(def.tables) as [EntityName, TableAccess][]) {
    bindTable(target, entity, resources.tables[entity], access);
  }
  for (const [name, access] of Object.entries(def.buckets) as [BucketName, BucketAccess][]) {
    bindBucket(target, name, resources.buckets[name], access);
  }
  const seen = new Set<string>();
  for (const capability of def.capabilities) {
    if (seen.has(capability)) continue;
    seen.add(capability);
    bindCapability(target, capability, resources);
  }
  // A capability added to the catalogue without lib/ support must not deploy half-configured.
  for (const capability of def.capabilities) {
    for (const name of CAPABILITY_ENV[capability]) {
      if (!target.hasEnvironment(name)) throw new Error(`${target.bindingName}: ${capability} left ${name} unset`);
    }
  }
}


/** Context key naming the SES-verified sender of alert emails (cdk.json sets it; change it to yours). */
export const ALERT_EMAIL_FROM_CONTEXT = 'dagy:alertEmailFrom';

function alertEmailFrom(stack: Stack): string {
  const value: unknown = stack.node.tryGetContext(ALERT_EMAIL_FROM_CONTEXT);
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new Error(`set -c ${ALERT_EMAIL_FROM_CONTEXT}=<SES-verified sender address> (cdk.json), got ${JSON.stringify(value)}`);
  }
  return value;
}
