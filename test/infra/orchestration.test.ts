import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { ECS_RUNNER_BUNDLE_KEY, ENV } from '../../lambdas/catalogue';
import { parseFlowSpec } from '../../lambdas/engine';
import { RUNNER_BUNDLE_KEY, RUNNER_ENV } from '../../lambdas/execution/task-runner/ecs-contract';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/dagy-function';
import { bundleEcsRunner, ecsRunnerBuildOptions } from '../../lib/constructs/ecs-runner-bundle';
import { RUN_STATE_MACHINE_ASL } from '../../lib/paths';
import { RUNNER_IMAGE } from '../../lib/stacks/orchestration-stack';
import { removeAssembly, synthDagy } from './synth';
import type { Synth } from './synth';
import { DataIndex, logicalIdOf, resource, resources, roleStatements } from './template-helpers';
import type { Json, Statement } from './template-helpers';

let dev: Synth;
let machine: Json;
let machineStatements: Statement[];
beforeAll(() => {
  // Kept: a test below reads the staged ECS runner asset.
  dev = synthDagy('dev', { keepAssembly: true });
  const stateMachine = dev.stacks.orchestration.stateMachine;
  machine = resource(dev.orchestration, logicalIdOf(stateMachine)).Properties!;
  machineStatements = roleStatements(dev.orchestration, logicalIdOf(stateMachine.role));
});
afterAll(() => removeAssembly(dev.app.outdir));

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
          // Without --enable-source-maps: a container starts per run, and the map's parse doubled its start.
          Command: ['node', '-e', Match.stringLikeRegexp(`process\\.env\\.${ENV.runnerUrl}`)],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    expect(RUNNER_IMAGE).toMatch(/^public\.ecr\.aws\//);
  });
});

describe('task runner', () => {
  test('Lambda never retries its asynchronous invocations: the engine owns retries', () => {
    const configs = Object.values(resources(dev.orchestration, 'AWS::Lambda::EventInvokeConfig')).filter(
      (config) => JSON.stringify(config.Properties?.FunctionName) === JSON.stringify({ Ref: fnId('task-runner') }),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]!.Properties).toMatchObject({ Qualifier: '$LATEST', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
  });
});

describe('ECS runner bundle', () => {
  const deployment = (): Json => {
    const deployments = Object.values(resources(dev.orchestration, 'Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    return deployments[0]!.Properties!;
  };

  test('one key for the uploader, the orchestrator that presigns it and the container that reads it', () => {
    expect(ECS_RUNNER_BUNDLE_KEY).toBe('runtime/ecs-runner.mjs');
    expect(RUNNER_BUNDLE_KEY).toBe(ECS_RUNNER_BUNDLE_KEY);
    expect(RUNNER_ENV.runnerUrl).toBe(ENV.runnerUrl);
    // The ASL's RunInEcs state passes the URL under the same name (JSON cannot import it).
    expect(readFileSync(RUN_STATE_MACHINE_ASL, 'utf8')).toContain(`"Name": "${ENV.runnerUrl}"`);
  });

  test('deployed to runtime/ of the artifacts bucket, extracted, never pruning other objects', () => {
    const props = deployment();
    expect(new DataIndex(dev).bucketOf(props.DestinationBucketName)).toBe('artifacts');
    expect(props.DestinationBucketKeyPrefix).toBe('runtime/');
    expect(props.Prune).toBe(false);
    expect(props.Extract).toBe(true);
    // The asset holds exactly ecs-runner.mjs (here the placeholder), so prefix + file is the key.
    const keys = props.SourceObjectKeys as string[];
    expect(keys).toHaveLength(1);
    const staged = path.join(dev.app.outdir, `asset.${keys[0]!.replace(/\.zip$/, '')}`);
    expect(readdirSync(staged)).toEqual([path.posix.basename(ECS_RUNNER_BUNDLE_KEY)]);
    expect(readFileSync(path.join(staged, 'ecs-runner.mjs'), 'utf8')).toContain('placeholder ECS runner');
  });

  test('its handler has its own role (no AWS managed policy) and a log group with the stage retention', () => {
    const bundle = dev.stacks.orchestration.runnerBundle;
    const roleId = logicalIdOf(bundle.role);
    expect(resource(dev.orchestration, roleId).Properties?.ManagedPolicyArns).toBeUndefined();
    const handler = resource(dev.orchestration, logicalIdOf(bundle.handlerFunction));
    expect(handler.Properties).toMatchObject({
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(bundle.logGroup) } },
    });
    expect(resource(dev.orchestration, logicalIdOf(bundle.logGroup)).Properties?.RetentionInDays).toBe(7);
    // Object writes go to the artifacts bucket and reads to the CDK assets bucket, nothing else.
    const s3 = roleStatements(dev.orchestration, roleId).filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    const data = new DataIndex(dev);
    const written = s3.filter((st) => st.Action.includes('s3:PutObject')).flatMap((st) => st.Resource);
    expect(written.map((r) => data.classify(r))).toEqual([
      { kind: 'bucket', name: 'artifacts', objects: false },
      { kind: 'bucket', name: 'artifacts', objects: true },
    ]);
  });

  test('bundles with the local esbuild into one ESM file that loads and runs on Node.js', () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'dagy-runner-'));
    const file = bundleEcsRunner(outDir);
    // The map beside the bundle, not inside it, and not named by it (the container never loads it).
    expect(readdirSync(outDir).sort()).toEqual(['ecs-runner.mjs', 'ecs-runner.mjs.map']);
    const code = readFileSync(file, 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).not.toContain('sourceMappingURL');
    expect(JSON.parse(readFileSync(`${file}.map`, 'utf8')).sources.some((s: string) => s.endsWith('lambdas/execution/ecs-runner.ts'))).toBe(true);
    // Every import resolves inside the bundle: started without its environment, the runner gets
    // as far as the configuration check and exits 1 with the missing variables named.
    const run = spawnSync(process.execPath, [file], {
      cwd: outDir,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ecs runner failed');
    expect(run.stderr).toContain('DAGY_ORDER_URL is not set');
  });

  test("the bundled runner runs one step-functions attempt: it stores the result through the presigned PUT, then loads the SDK and wakes the loop with the attempt's token", async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'dagy-runner-'));
    const file = bundleEcsRunner(outDir);
    // An http task whose URL the egress guard refuses: the attempt fails, and is reported.
    const [task] = parseFlowSpec({ tasks: [{ name: 'probe', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/' }, timeout_seconds: 5 }] }).tasks;
    const order = { mode: 'task', org_id: 'org-1', run_id: 'run-1', artifact: null, task, attempt: 1, work: { parameters: {}, secrets: {} }, inputs: {}, loop: { token: 'token-7', iteration: 3, heartbeat_seconds: 300 } };
    const seen: Array<{ method: string; url: string; target: string | undefined; body: string }> = [];
    // The presigned URLs and the Step Functions endpoint, all on one loopback server.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const target = req.headers['x-amz-target'];
        seen.push({ method: req.method ?? '', url: req.url ?? '', target: typeof target === 'string' ? target : undefined, body });
        if (req.url === '/order') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(order));
        else if (req.url === '/result') res.writeHead(200).end();
        else if (req.url === '/cancel') res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const child = spawn(process.execPath, [file], {
        cwd: outDir,
        env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', DAGY_ORDER_URL: `${base}/order`, DAGY_RESULT_URL: `${base}/result`, DAGY_CANCEL_URL: `${base}/cancel`, [ENV.sfnEndpoint]: base },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const put = seen.find((r) => r.method === 'PUT' && r.url === '/result');
    expect(JSON.parse(put!.body)).toMatchObject({ final: true, tasks: { probe: { status: 'FAILED', attempts: [{ attempt: 1, outcome: { ok: false } }] } } });
    const wake = seen.filter((r) => r.target === 'AWSStepFunctions.SendTaskSuccess');
    expect(wake).toHaveLength(1);
    expect(JSON.parse(wake[0]!.body)).toEqual({ taskToken: 'token-7', output: JSON.stringify({ next: 'advance', iteration: 3, wait_seconds: 300 }) });
    // The result is stored before the loop is woken (the loop reads it).
    expect(seen.indexOf(put!)).toBeLessThan(seen.indexOf(wake[0]!));
  }, 60_000);

  test("a container's start-up evaluates neither the AWS SDK nor the flow-spec schema: the SDK is imported only when a step-functions attempt wakes its loop", async () => {
    const options = ecsRunnerBuildOptions(path.join(tmpdir(), 'dagy-runner-unwritten', 'ecs-runner.mjs'));
    const result = await build({ ...options, write: false, metafile: true });
    const inputs = result.metafile.inputs;
    // What the entry reaches by static imports (evaluated at start), not through import().
    const eager = new Set<string>(['lambdas/execution/ecs-runner.ts']);
    for (const file of eager) for (const i of inputs[file]?.imports ?? []) if (i.kind !== 'dynamic-import' && inputs[i.path] !== undefined) eager.add(i.path);
    expect(eager.size).toBeGreaterThan(10);
    expect([...eager].filter((p) => p.includes('node_modules/@aws-sdk/') || p.includes('node_modules/@smithy/') || p.includes('node_modules/zod/'))).toEqual([]);
    // The SDK is still inside the one file (the container downloads one), reached through import().
    expect(inputs['lambdas/execution/ecs-runner.ts']?.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path).sort()).toEqual([
      'lambdas/execution/orchestrator/loop-protocol.ts',
      'node_modules/@aws-sdk/client-sfn/dist-es/index.js',
    ]);
  });
});
