import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ENV } from '../../lambdas/catalogue';
import { AwsApiError, type AwsEmulator, type JsonBody } from '../aws-emulator';
import type { ExtensionHandle, PlatformContext } from '../extensions';
import { startProcessLauncher, type LaunchedProcess, type ProcessLauncher } from '../process-launcher';
import { bundleProgram } from '../bundle-program';
import { hostPermissionFlags, privateDirFor, unprivilegedUser, untrustedBase, untrustedEnv } from '../untrusted-runtime';

/** The program the runner container runs (the same file CDK bundles for Fargate). */
export const ECS_RUNNER_ENTRY = 'lambdas/execution/ecs-runner.ts';
const TARGET = 'AmazonEC2ContainerServiceV20141113';
/** SIGTERM, then SIGKILL after this (ECS waits 30 s by default; locally shorter). */
const STOP_GRACE_MS = 5000;
const KEPT_OUTPUT_BYTES = 64 * 1024;

export interface RunTaskParams {
  cluster?: string;
  taskDefinition?: string;
  overrides?: { containerOverrides?: Array<{ name?: string; environment?: Array<{ name?: string; value?: string }> }> };
}

export interface LocalEcsTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  containerName: string;
  lastStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  stoppedAt?: number;
  exitCode?: number | null;
  stoppedReason?: string;
  /** The container's last output (stdout and stderr), for diagnosis. */
  output: string;
  /** Resolves when the process has exited. */
  exited: Promise<LocalEcsTask>;
}

/** ECS's JSON shape of a task (DescribeTasks, the ecs:runTask.sync result). */
export function describeTask(task: LocalEcsTask): JsonBody {
  return {
    taskArn: task.taskArn,
    clusterArn: task.clusterArn,
    taskDefinitionArn: task.taskDefinitionArn,
    lastStatus: task.lastStatus,
    desiredStatus: task.lastStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED',
    launchType: 'FARGATE',
    createdAt: task.createdAt / 1000,
    ...(task.stoppedAt !== undefined ? { stoppedAt: task.stoppedAt / 1000, stopCode: 'EssentialContainerExited' } : {}),
    ...(task.stoppedReason !== undefined ? { stoppedReason: task.stoppedReason } : {}),
    containers: [
      {
        name: task.containerName,
        lastStatus: task.lastStatus,
        ...(task.exitCode !== undefined && task.exitCode !== null ? { exitCode: task.exitCode } : {}),
      },
    ],
  };
}

/**
 * ECS on the laptop: RunTask of the runner task definition spawns a child process running the
 * bundled lambdas/execution/ecs-runner.ts with what the container has in AWS (no binding, no
 * credential: only the container overrides' presigned URLs), unprivileged and under Node's
 * permission model; StopTask sends
 * SIGTERM then SIGKILL; DescribeTasks reports status and exit code. A task metadata endpoint gives
 * each task its ARN, as ECS_CONTAINER_METADATA_URI_V4 does in Fargate.
 */
export class LocalEcs {
  private readonly tasks = new Map<string, { task: LocalEcsTask; child: LaunchedProcess }>();
  private launcher: ProcessLauncher | undefined;
  private metadata: Server | undefined;
  private metadataUrl = '';
  private base = '';
  private bundleDir = '';
  private bundle = '';

  constructor(private readonly context: PlatformContext) {}

  private get expected() {
    const env = this.context.envFor('run-orchestrator');
    return {
      cluster: env[ENV.ecsCluster]!,
      taskDefinition: env[ENV.ecsTaskDefinition]!,
      containerName: env[ENV.ecsContainerName]!,
    };
  }

  async start(): Promise<void> {
    this.base = untrustedBase('dagy-local-ecs-');
    this.bundleDir = join(this.base, 'bin');
    mkdirSync(this.bundleDir, { mode: 0o755 });
    mkdirSync(join(this.base, 'tasks'), { mode: 0o711 });
    this.bundle = join(this.bundleDir, 'ecs-runner.mjs');
    await bundleProgram(ECS_RUNNER_ENTRY, this.bundle);
    // Containers start from the launcher: starting a process blocks the starter until it execs.
    this.launcher = await startProcessLauncher();
    this.metadata = createServer((req, res) => {
      const match = /^\/v4\/([0-9a-f]+)\/task$/.exec(req.url ?? '');
      const entry = match === null ? undefined : [...this.tasks.values()].find((t) => t.task.taskArn.endsWith(`/${match[1]}`));
      if (entry === undefined) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.stringify({ TaskARN: entry.task.taskArn, Cluster: entry.task.clusterArn, LaunchType: 'FARGATE' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      this.metadata!.once('error', reject);
      this.metadata!.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.metadata.address();
    this.metadataUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
  }

  /** Starts the runner task; rejects parameters that would fail in ECS too. */
  runTask(params: RunTaskParams): LocalEcsTask {
    const expected = this.expected;
    const family = (arn: string) => arn.replace(/^arn:aws:ecs:[^:]*:[^:]*:task-definition\//, '').replace(/:\d+$/, '');
    if (params.taskDefinition === undefined || family(params.taskDefinition) !== family(expected.taskDefinition)) {
      throw new AwsApiError('ClientException', `TaskDefinition not found: ${String(params.taskDefinition)}`);
    }
    const overrides = params.overrides?.containerOverrides ?? [];
    for (const o of overrides) {
      if (o.name !== expected.containerName) throw new AwsApiError('InvalidParameterException', `Override for container named ${String(o.name)} is not a container in the TaskDefinition.`);
    }
    const id = randomBytes(16).toString('hex');
    const taskArn = `arn:aws:ecs:us-east-1:000000000000:task/dagy-local/${id}`;
    // Like a Fargate task: nothing of the platform's environment, its own scratch space, and (as in
    // AWS, where its role may only redeem task tokens) no credential; locally the Step Functions
    // endpoint is the one address it is given, to redeem its token.
    const asUser = unprivilegedUser();
    const scratch = privateDirFor(join(this.base, 'tasks', id), asUser);
    const env: Record<string, string> = {
      ...untrustedEnv(),
      TMPDIR: scratch,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [ENV.stage]: this.context.resources.stage,
      [ENV.sfnEndpoint]: this.context.resources.emulatorEndpoint,
      // The local platform's test flag for loopback HTTP tasks reaches containers as it reaches the task runner.
      ...(this.context.resources.allowLoopbackEgress === true ? { [ENV.egressAllowLoopbackHttp]: 'true' } : {}),
      ECS_CONTAINER_METADATA_URI_V4: `${this.metadataUrl}/v4/${id}`,
    };
    for (const o of overrides) for (const e of o.environment ?? []) if (e.name !== undefined) env[e.name] = e.value ?? '';

    if (this.launcher === undefined) throw new AwsApiError('ServerException', 'the local ECS is not started', 500);
    const child = this.launcher.spawn(process.execPath, [...hostPermissionFlags([this.bundleDir], scratch), this.bundle], { cwd: scratch, env, user: asUser });
    let output = '';
    child.onOutput((text) => {
      output = (output + text).slice(-KEPT_OUTPUT_BYTES);
    });
    const task: LocalEcsTask = {
      taskArn,
      clusterArn: expected.cluster,
      taskDefinitionArn: expected.taskDefinition,
      containerName: expected.containerName,
      lastStatus: 'RUNNING',
      createdAt: Date.now(),
      output: '',
      exited: new Promise<LocalEcsTask>((resolve) => {
        const finish = (code: number | null, signal: NodeJS.Signals | null, reason?: string) => {
          if (task.lastStatus === 'STOPPED') return;
          task.lastStatus = 'STOPPED';
          task.stoppedAt = Date.now();
          task.exitCode = code ?? (signal === null ? null : 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1));
          // Locally the container's last output line is added, so a failing runner says why.
          const lastLine = output.trim().split('\n').pop()?.slice(0, 300);
          const exitReason = code !== 0 && lastLine ? `Essential container in task exited: ${lastLine}` : 'Essential container in task exited';
          task.stoppedReason ??= reason ?? exitReason;
          task.output = output;
          resolve(task);
        };
        void child.ended.then(async (ended) => {
          // Off the event loop: a container's scratch space can hold many files.
          await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
          if ('error' in ended) finish(1, null, `CannotStartContainerError: ${ended.error}`);
          else finish(ended.code, ended.signal);
        });
      }),
    };
    this.tasks.set(taskArn, { task, child });
    return task;
  }

  stopTask(taskArn: string, reason = 'Task stopped by user'): LocalEcsTask | undefined {
    const entry = this.tasks.get(taskArn);
    if (entry === undefined) return undefined;
    const { task, child } = entry;
    if (task.lastStatus === 'RUNNING' && task.stoppedReason === undefined) {
      task.stoppedReason = reason;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      void task.exited.then(() => clearTimeout(timer));
    }
    return task;
  }

  /** Kills the task's container at once, as an out-of-memory kill or a host failure would. */
  crash(taskArn: string): boolean {
    const entry = this.tasks.get(taskArn);
    if (entry === undefined || entry.task.lastStatus !== 'RUNNING') return false;
    return entry.child.kill('SIGKILL');
  }

  get(taskArn: string): LocalEcsTask | undefined {
    return this.tasks.get(taskArn)?.task;
  }

  /** Every task started on this platform (tests inspect exit codes and output). */
  list(): LocalEcsTask[] {
    return [...this.tasks.values()].map((t) => t.task);
  }

  async stop(): Promise<void> {
    const running = [...this.tasks.values()].filter((t) => t.task.lastStatus === 'RUNNING');
    for (const { task } of running) this.stopTask(task.taskArn, 'the local platform stopped');
    await Promise.all(running.map((t) => t.task.exited));
    await new Promise<void>((resolve) => (this.metadata === undefined ? resolve() : this.metadata.close(() => resolve())));
    await this.launcher?.stop();
    if (this.base !== '') rmSync(this.base, { recursive: true, force: true });
  }

  register(emulator: AwsEmulator): void {
    emulator.register(`${TARGET}.RunTask`, async (body) => {
      const task = this.runTask(body as RunTaskParams);
      return { tasks: [describeTask(task)], failures: [] };
    });
    emulator.register(`${TARGET}.StopTask`, async (body) => {
      const arn = String(body.task ?? '');
      const task = this.stopTask(this.resolveArn(arn), typeof body.reason === 'string' ? body.reason : undefined);
      if (task === undefined) throw new AwsApiError('InvalidParameterException', `The referenced task was not found: ${arn}`);
      return { task: describeTask(task) };
    });
    emulator.register(`${TARGET}.DescribeTasks`, async (body) => {
      const wanted = Array.isArray(body.tasks) ? (body.tasks as unknown[]).map(String) : [];
      const tasks: JsonBody[] = [];
      const failures: JsonBody[] = [];
      for (const arn of wanted) {
        const task = this.get(this.resolveArn(arn));
        if (task === undefined) failures.push({ arn, reason: 'MISSING' });
        else tasks.push(describeTask(task));
      }
      return { tasks, failures };
    });
  }

  /** ECS accepts a task id or its ARN. */
  private resolveArn(idOrArn: string): string {
    return idOrArn.startsWith('arn:') ? idOrArn : `arn:aws:ecs:us-east-1:000000000000:task/dagy-local/${idOrArn}`;
  }
}

const instances = new WeakMap<AwsEmulator, LocalEcs>();

/** The local ECS of a platform (by its emulator), for the state machine runner and tests. */
export function localEcsOf(emulator: AwsEmulator): LocalEcs {
  const ecs = instances.get(emulator);
  if (ecs === undefined) throw new Error('the local ECS extension is not started on this platform');
  return ecs;
}

/** Platform extension: the local ECS API on the emulator endpoint. */
export async function startLocalEcs(context: PlatformContext): Promise<ExtensionHandle> {
  const ecs = new LocalEcs(context);
  await ecs.start();
  ecs.register(context.emulator);
  instances.set(context.emulator, ecs);
  return { stop: () => ecs.stop() };
}
