import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { ContainerDefinition } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IPrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { ECS_RUNNER_TASK_SIZE, ENV, FUNCTIONS } from '../../lambdas/catalogue';
import type { FunctionName } from '../../lambdas/catalogue';
import { bindCapability, grantEcsRunTask } from '../constructs/bindings';
import type { BindTarget, CatalogueResources, EcsRunnerRef, StateMachineRef } from '../constructs/bindings';
import { DagyFunction } from '../constructs/dagy-function';
import type { CodeMode } from '../constructs/dagy-function';
import { EcsRunnerBundle } from '../constructs/ecs-runner-bundle';
import { catalogueRule, orchestrationRules } from './events-stack';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { StableExports } from '../exports';
import { REASONS, acknowledge } from '../nag-suppressions';
import { RUN_STATE_MACHINE_ASL } from '../paths';
import type { StageConfig } from '../stage';
import type { DataStack } from './data-stack';

/** The functions the run state machine calls: they live with it (see the ASL substitutions). */
export const ORCHESTRATION_FUNCTIONS = ['task-runner', 'run-orchestrator', 'code-executor'] as const satisfies readonly FunctionName[];

/** Public image: nothing to build or push, so synth and deploy need no Docker. */
export const RUNNER_IMAGE = 'public.ecr.aws/docker/library/node:22-slim';
export const RUNNER_CONTAINER_NAME = 'runner';

/**
 * The container's whole program: download the runner bundle from the presigned URL the caller
 * passed (ENV.runnerUrl, a GET of ECS_RUNNER_BUNDLE_KEY, which EcsRunnerBundle uploads), write it
 * to /tmp and import it. The image stays a stock Node.js image, and the runner code is versioned
 * with the deployment in the artifact bucket rather than baked into an image.
 */
const RUNNER_BOOTSTRAP = [
  `const url = process.env.${ENV.runnerUrl};`,
  `if (!url) { console.error('${ENV.runnerUrl} is not set'); process.exit(2); }`,
  'fetch(url).then(async (res) => {',
  "  if (!res.ok) throw new Error('runner download failed: HTTP ' + res.status);",
  "  require('node:fs').writeFileSync('/tmp/ecs-runner.mjs', Buffer.from(await res.arrayBuffer()));",
  "  await import('/tmp/ecs-runner.mjs');",
  '}).catch((err) => { console.error(err); process.exit(1); });',
].join('\n');

export interface OrchestrationStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly codeMode: CodeMode;
}

/**
 * The run lifecycle: the Step Functions state machine (from the ASL file the local platform also
 * runs), the two functions it calls, and the Fargate runner for ECS tasks and whole-DAG runs.
 */
export class OrchestrationStack extends Stack {
  readonly stateMachineName: string;
  readonly stateMachine: StateMachine;
  readonly functions: Record<(typeof ORCHESTRATION_FUNCTIONS)[number], DagyFunction>;
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly runnerTaskDefinition: FargateTaskDefinition;
  readonly runnerContainer: ContainerDefinition;
  readonly runnerSecurityGroup: SecurityGroup;
  /** Catalogued rules targeting this stack's functions. */
  readonly rules: Record<string, Rule> = {};
  /** Uploads the bundled runner to the artifacts bucket, where RunTask callers presign it. */
  readonly runnerBundle: EcsRunnerBundle;
  /** Every definitionSubstitutions key handed to the ASL (all of them, always). */
  readonly substitutionKeys: readonly string[];
  private readonly exports = new StableExports(this);

  constructor(scope: Construct, id: string, props: OrchestrationStackProps) {
    super(scope, id, props);
    const { stage, data, codeMode } = props;

    // The orchestrator needs the state machine's ARN and the state machine needs the orchestrator's:
    // a name derived from the stack lets both sides build the ARN without a CloudFormation cycle.
    this.stateMachineName = `${this.stackName}-run`;
    const stateMachineRef = stateMachineRefIn(this, this.stateMachineName);

    // Public subnets only and no NAT gateway: nothing costs money while no task runs; tasks get a
    // public IP (EcsAssignPublicIp) to pull the image and reach AWS APIs, and accept no inbound.
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      restrictDefaultSecurityGroup: false,
    });
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', { retention: stage.logRetention, removalPolicy: stage.removalPolicy });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    this.runnerSecurityGroup = new SecurityGroup(this, 'RunnerSecurityGroup', {
      vpc: this.vpc,
      description: 'Dagy ECS runner tasks: no inbound; outbound for the image pull and AWS APIs',
      allowAllOutbound: true,
    });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ContainerInsights.ENABLED });

    this.runnerTaskDefinition = new FargateTaskDefinition(this, 'RunnerTask', {
      cpu: ECS_RUNNER_TASK_SIZE.cpu,
      memoryLimitMiB: ECS_RUNNER_TASK_SIZE.memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const runnerLogs = new LogGroup(this, 'RunnerLogs', { retention: stage.logRetention, removalPolicy: stage.removalPolicy });
    this.runnerContainer = this.runnerTaskDefinition.addContainer('Runner', {
      containerName: RUNNER_CONTAINER_NAME,
      image: ContainerImage.fromRegistry(RUNNER_IMAGE),
      // No --enable-source-maps: each run starts a container, and the map's parse would double its start (the map is deployed beside the bundle).
      command: ['node', '-e', RUNNER_BOOTSTRAP],
      logging: LogDrivers.awsLogs({ streamPrefix: 'runner', logGroup: runnerLogs }),
      environment: { [ENV.stage]: stage.name },
    });
    const executionRole = this.runnerTaskDefinition.obtainExecutionRole();
    acknowledge(this.runnerTaskDefinition, 'AwsSolutions-ECS2', REASONS.ecsEnvironment);

    const subnetIds = this.vpc.publicSubnets.map((subnet) => subnet.subnetId);
    const ecsRunner: EcsRunnerRef = {
      clusterArn: this.cluster.clusterArn,
      clusterName: this.cluster.clusterName,
      taskDefinitionFamily: this.runnerTaskDefinition.family,
      containerName: RUNNER_CONTAINER_NAME,
      subnetIds: Fn.join(',', subnetIds),
      securityGroupId: this.runnerSecurityGroup.securityGroupId,
      passRoleArns: [this.runnerTaskDefinition.taskRole.roleArn, executionRole.roleArn],
    };

    // The orchestrator invokes the task runner asynchronously and owns every retry (the task's
    // retry policy, recorded attempts): a Lambda-level retry would run the same attempt twice.
    const taskRunner = new DagyFunction(this, 'TaskRunner', { def: FUNCTIONS['task-runner'], stage, codeMode, asyncRetryAttempts: 0 });
    const orchestrator = new DagyFunction(this, 'RunOrchestrator', { def: FUNCTIONS['run-orchestrator'], stage, codeMode });
    // Tenant code runs here and nowhere else: no grants, per-tenant execution environments.
    const codeExecutor = new DagyFunction(this, 'CodeExecutor', { def: FUNCTIONS['code-executor'], stage, codeMode });
    this.functions = { 'task-runner': taskRunner, 'run-orchestrator': orchestrator, 'code-executor': codeExecutor };

    const resources: CatalogueResources = {
      ...data.importInto(this),
      stateMachine: stateMachineRef,
      taskRunner: taskRunner.function,
      codeExecutor: codeExecutor.function,
      ecsRunner,
    };
    for (const fn of Object.values(this.functions)) fn.bindCatalogue(resources);
    // The ECS runner runs tenant code: its task role gets no table, bucket or key. Work orders,
    // artifacts and results travel by presigned URLs; it may only redeem the advance loop's task
    // token (a secret it is handed) to report that its result is stored.
    bindCapability(new ContainerBindTarget('ECS runner', this.runnerContainer, this.runnerTaskDefinition.taskRole), 'states:callback', resources);

    // Rules whose target lives here (an ECS container announcing its stored result through S3).
    for (const rule of orchestrationRules()) this.rules[rule.name] = catalogueRule(this, rule, this.functions[rule.target as (typeof ORCHESTRATION_FUNCTIONS)[number]], resources, stage);

    this.runnerBundle = new EcsRunnerBundle(this, 'RunnerBundle', { artifacts: resources.buckets.artifacts, stage, codeMode });

    const substitutions: Record<string, string> = {
      OrchestratorFunctionArn: orchestrator.function.functionArn,
      TaskRunnerFunctionArn: taskRunner.function.functionArn,
      EcsClusterArn: this.cluster.clusterArn,
      RunnerTaskDefinitionArn: this.runnerTaskDefinition.taskDefinitionArn,
      RunnerContainerName: RUNNER_CONTAINER_NAME,
      // ASL substitutions are text inside JSON strings, so a list cannot be substituted as an
      // array: one value per subnet, plus the comma-joined list for string fields.
      ...Object.fromEntries(subnetIds.map((subnetId, i) => [`RunnerSubnet${i + 1}`, subnetId])),
      RunnerSubnets: Fn.join(',', subnetIds),
      EcsSecurityGroup: this.runnerSecurityGroup.securityGroupId,
      EcsAssignPublicIp: 'ENABLED',
      EventBusName: resources.eventBus.eventBusName,
    };
    this.substitutionKeys = Object.keys(substitutions);

    const machineLogs = new LogGroup(this, 'RunStateMachineLogs', {
      retention: stage.logRetention,
      removalPolicy: stage.removalPolicy,
    });
    this.stateMachine = new StateMachine(this, 'RunStateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(RUN_STATE_MACHINE_ASL),
      definitionSubstitutions: substitutions,
      // Execution data holds run parameters and task outputs: keep it out of the logs.
      logs: { destination: machineLogs, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // A definition from a file gives CDK nothing to infer grants from: grant what the ASL may use.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [orchestrator.function.functionArn, taskRunner.function.functionArn],
      }),
    );
    grantEcsRunTask(this.stateMachine.role, this.stateMachine, 'the run state machine', ecsRunner);
    // ecs:runTask.sync waits through a managed EventBridge rule that Step Functions maintains.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          this.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' }),
        ],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [resources.eventBus.eventBusArn] }),
    );
    acknowledge(this.stateMachine, 'AwsSolutions-IAM5[Resource::*]', `${REASONS.logDeliveryWildcard} ${REASONS.xrayWildcard}`);

    this.exports.publish('RunStateMachineArn', this.stateMachine.stateMachineArn);
    this.exports.publish('ClusterArn', this.cluster.clusterArn);
    this.exports.publish('ClusterName', this.cluster.clusterName);
    this.exports.publish('RunnerSubnets', ecsRunner.subnetIds);
    this.exports.publish('RunnerSecurityGroupId', ecsRunner.securityGroupId);
    this.exports.publish('RunnerTaskRoleArn', this.runnerTaskDefinition.taskRole.roleArn);
    this.exports.publish('RunnerExecutionRoleArn', executionRole.roleArn);
  }

  /** The run state machine and the ECS runner as `consumer` sees them. */
  importInto(consumer: Stack): Pick<CatalogueResources, 'stateMachine' | 'ecsRunner'> {
    const get = (key: string): string => this.exports.importInto(consumer, key);
    return {
      stateMachine: {
        stateMachineArn: get('RunStateMachineArn'),
        executionArnPattern: stateMachineRefIn(consumer, this.stateMachineName).executionArnPattern,
      },
      ecsRunner: {
        clusterArn: get('ClusterArn'),
        clusterName: get('ClusterName'),
        // Plain strings fixed at synth: no export needed.
        taskDefinitionFamily: this.runnerTaskDefinition.family,
        containerName: RUNNER_CONTAINER_NAME,
        subnetIds: get('RunnerSubnets'),
        securityGroupId: get('RunnerSecurityGroupId'),
        passRoleArns: [get('RunnerTaskRoleArn'), get('RunnerExecutionRoleArn')],
      },
    };
  }
}

function stateMachineRefIn(stack: Stack, name: string): StateMachineRef {
  return {
    stateMachineArn: stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    executionArnPattern: stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  };
}

/** The ECS runner container as a binding target: env vars on the container, grants on the task role. */
class ContainerBindTarget implements BindTarget {
  private readonly env = new Set<string>();

  constructor(
    readonly bindingName: string,
    private readonly container: ContainerDefinition,
    readonly grantPrincipal: IPrincipal & IConstruct,
  ) {
    this.env.add(ENV.stage);
  }

  get policyScope(): IConstruct {
    return this.grantPrincipal;
  }

  addEnvironment(name: string, value: string): void {
    if (this.env.has(name)) throw new Error(`${this.bindingName}: environment variable ${name} bound twice`);
    this.env.add(name);
    this.container.addEnvironment(name, value);
  }

  hasEnvironment(name: string): boolean {
    return this.env.has(name);
  }
}
