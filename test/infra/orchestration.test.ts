import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { RUN_STATE_MACHINE_ASL } from '../../lib/paths';
import { RUNNER_IMAGE, RUNNER_URL_ENV } from '../../lib/stacks/orchestration-stack';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { logicalIdOf, resource, resources, roleStatements } from './template-helpers';
import type { Json, Statement } from './template-helpers';

let dev: Synth;
let machine: Json;
let machineStatements: Statement[];
beforeAll(() => {
  dev = synthDagy('dev');
  const stateMachine = dev.stacks.orchestration.stateMachine;
  machine = resource(dev.orchestration, logicalIdOf(stateMachine)).Properties!;
  machineStatements = roleStatements(dev.orchestration, logicalIdOf(stateMachine.role));
});

const fnId = (name: 'task-runner' | 'run-orchestrator'): string =>
  logicalIdOf(dev.stacks.orchestration.functions[name].function);

describe('run state machine', () => {
  test('STANDARD, logs ALL events without execution data, X-Ray tracing', () => {
    expect(machine.StateMachineType).toBe('STANDARD');
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
  });

  test('deploys the ASL file as is, with every placeholder it uses substituted', () => {
    // The definition is uploaded as an asset (the very file the local platform runs), not inlined.
    expect(machine.DefinitionS3Location).toBeDefined();
    expect(machine.DefinitionString).toBeUndefined();
    const asl = readFileSync(RUN_STATE_MACHINE_ASL, 'utf8');
    expect(() => JSON.parse(asl)).not.toThrow();
    const substitutions = machine.DefinitionSubstitutions as Json;
    const placeholders = [...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!);
    for (const name of placeholders) expect({ placeholder: name, provided: name in substitutions }).toEqual({ placeholder: name, provided: true });
  });

  test('substitutions point at the orchestration resources', () => {
    const s = machine.DefinitionSubstitutions as Json;
    expect(s.OrchestratorFunctionArn).toEqual({ 'Fn::GetAtt': [fnId('run-orchestrator'), 'Arn'] });
    expect(s.TaskRunnerFunctionArn).toEqual({ 'Fn::GetAtt': [fnId('task-runner'), 'Arn'] });
    expect(s.EcsClusterArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(dev.stacks.orchestration.cluster), 'Arn'] });
    expect(s.RunnerTaskDefinitionArn).toEqual({ Ref: logicalIdOf(dev.stacks.orchestration.runnerTaskDefinition) });
    expect(s.RunnerContainerName).toBe('runner');
    expect(s.EcsSecurityGroup).toEqual({ 'Fn::GetAtt': [logicalIdOf(dev.stacks.orchestration.runnerSecurityGroup), 'GroupId'] });
    expect(s.EcsAssignPublicIp).toBe('ENABLED');
    const subnets = dev.stacks.orchestration.vpc.publicSubnets.map((subnet) => ({ Ref: logicalIdOf(subnet) }));
    expect(subnets).toHaveLength(2);
    subnets.forEach((subnet, i) => expect(s[`RunnerSubnet${i + 1}`]).toEqual(subnet));
    expect(s.EventBusName).toEqual({ 'Fn::ImportValue': 'Dagy-dev-Data-EventBusName' });
  });

  test('its role may invoke exactly the orchestrator and the task runner', () => {
    const invoke = machineStatements.filter((st) => st.Action.includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((st) => st.Resource)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [fnId('run-orchestrator'), 'Arn'] },
        { 'Fn::GetAtt': [fnId('task-runner'), 'Arn'] },
      ]),
    );
    expect(invoke.flatMap((st) => st.Resource)).toHaveLength(2);
  });

  test('its role may run the runner task (.sync) and pass exactly its two roles', () => {
    const actions = new Set(machineStatements.flatMap((st) => st.Action));
    for (const a of ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      expect({ action: a, granted: actions.has(a) }).toEqual({ action: a, granted: true });
    }
    const rule = machineStatements.find((st) => st.Action.includes('events:PutRule'))!;
    expect(JSON.stringify(rule.Resource)).toContain('rule/StepFunctionsGetEventsForECSTaskRule');
    const passRole = machineStatements.find((st) => st.Action.includes('iam:PassRole'))!;
    const taskDefinition = dev.stacks.orchestration.runnerTaskDefinition;
    expect(passRole.Resource).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalIdOf(taskDefinition.taskRole), 'Arn'] },
        { 'Fn::GetAtt': [logicalIdOf(taskDefinition.executionRole!), 'Arn'] },
      ]),
    );
    expect(passRole.Resource).toHaveLength(2);
  });
});

describe('ECS runner', () => {
  test('VPC: two AZs, public subnets only, no NAT gateway, flow logs', () => {
    dev.orchestration.resourceCountIs('AWS::EC2::Subnet', 2);
    dev.orchestration.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.orchestration.resourceCountIs('AWS::EC2::FlowLog', 1);
    for (const subnet of Object.values(resources(dev.orchestration, 'AWS::EC2::Subnet'))) {
      expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(true);
    }
  });

  test('the runner security group accepts no inbound traffic', () => {
    const groups = Object.values(resources(dev.orchestration, 'AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties?.SecurityGroupIngress).toBeUndefined();
    dev.orchestration.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('Fargate cluster with Container Insights', () => {
    dev.orchestration.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('task definition: ARM64, 1 vCPU / 2 GB, public Node.js image, bootstrap from DAGY_RUNNER_URL, awslogs', () => {
    dev.orchestration.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'runner',
          Image: RUNNER_IMAGE,
          Command: ['node', '--enable-source-maps', '-e', Match.stringLikeRegexp(`process\\.env\\.${RUNNER_URL_ENV}`)],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    expect(RUNNER_IMAGE).toMatch(/^public\.ecr\.aws\//);
  });
});
