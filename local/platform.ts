import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { RULES, type FunctionName } from '../lambdas/catalogue';
import { systemClock, type Clock } from '../lambdas/shared/clock';
import type { AwsClientMiddleware } from '../lambdas/shared/aws-clients';
import { isLogLevel, type LogSink } from '../lambdas/shared/logger';
import type { MetricSink } from '../lambdas/shared/metrics';
import type { Runtime } from '../lambdas/shared/runtime';
import { startAwsEmulator, type AwsEmulator } from './aws-emulator';
import { startCodeExecutorHost, type CodeExecutorHost } from './code-executor/host';
import { startDynamoDbLocal, startDynamoDbLocalOnFreePort, type DynamoDbLocalHandle } from './dynamodb-local';
import { createLocalEventBus, s3RecordToBusEvent, type LocalEventBus } from './event-bus';
import { PLATFORM_EXTENSIONS, type ExtensionHandle, type PlatformContext } from './extensions';
import { assertPortFree } from './free-port';
import { localFunctionEnv, type LocalResources } from './function-env';
import type { FunctionHost } from './function-host';
import { bundleFunctionThreads, startFunctionThreads, type ThreadBundle } from './function-threads';
import { startGateway, type Gateway } from './gateway';
import { localCredentials, LOCAL_REGION } from './local-credentials';
import { startS3Local, type S3LocalHandle } from './s3-local';
import { ensureTables, localTableNames } from './tables';

export interface PlatformOptions {
  /** Where DynamoDB data, S3 objects, the local key and logs live (e.g. `.dagy`). */
  dataDir: string;
  /** Fixed ports; 0 or absent picks a free one. */
  ports?: { http?: number; dynamodb?: number; s3?: number; emulator?: number };
  /** Use an already running DynamoDB Local instead of starting one (tests share one). */
  dynamodbEndpoint?: string;
  /** Keep DynamoDB data in memory instead of under dataDir. */
  inMemory?: boolean;
  tablePrefix?: string;
  stage?: string;
  clock?: Clock;
  /** Platform messages (one line per HTTP request among them). */
  log?: (line: string) => void;
  /** Where functions' JSON log lines go (default: discarded locally unless given; see local/function-logs.ts). */
  functionLogSink?: LogSink;
  /** Functions' log level (POWERTOOLS_LOG_LEVEL): TRACE, DEBUG, INFO (default), WARN, ERROR. */
  functionLogLevel?: string;
  /** Sees every business metric point any function records (tests, the bench). */
  functionMetricSink?: MetricSink;
  /**
   * Test-only hook: a middleware on every function's AWS clients (fault injection: it may throw
   * instead of calling next, e.g. ProvisionedThroughputExceeded on some DynamoDB writes).
   */
  awsMiddleware?: AwsClientMiddleware;
  /**
   * Run one reconcile sweep at start, before the API listens (npm start). Every execution of the
   * previous process died with it (the local Step Functions are in memory), so every run left
   * QUEUED or RUNNING on the data directory is finished or started at once.
   */
  reconcileOnStart?: boolean;
  /** Run the catalogue's rate(...) rules on timers (npm start: yes; tests: invoke by hand). */
  runTimers?: boolean;
  /** Sees every AWS command any hosted function sends (benchmarks). */
  observeAws?: (service: string, command: string, functionName: FunctionName, input?: unknown) => void;
  authorizerCacheTtlMs?: number;
  /**
   * Let HTTP tasks and polling sensors reach loopback addresses over http (the egress guard's
   * test flag), for tests whose receivers listen on 127.0.0.1. Default false: tenant requests
   * go to public https addresses only, as in AWS.
   */
  allowLoopbackEgress?: boolean;
  /** Extra variables for every function: the tunables CDK sets from stage settings (e.g. DAGY_SIGNUP_ENABLED). */
  functionEnv?: Record<string, string>;
  /** Serve this built console (console/dist) at `/` (npm start and the browser tests). */
  consoleDir?: string;
  /**
   * Host the functions on this many worker threads (local/function-threads.ts; with 2 or more the
   * API's functions get threads of their own) instead of the platform's own thread, so a burst of
   * runs does not stall the gateway. 0 or absent: in this thread, where tests can inject a clock
   * and AWS middleware and mock SDK clients (neither crosses threads, so both need 0).
   */
  functionThreads?: number;
}

export interface Platform {
  url: string;
  /** Absolute path of the data directory. */
  dataDir: string;
  resources: LocalResources;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  bus: LocalEventBus;
  emulator: AwsEmulator;
  /** The per-organization code-executor processes. */
  codeExecutors: CodeExecutorHost;
  clock: Clock;
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  envFor(name: FunctionName): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A port asked for is checked at once (a clear message when taken); otherwise 0: each server
 * listens on a port the OS gives it at that moment, so nothing can take it in between.
 */
async function choosePort(requested: number | undefined, what: string): Promise<number> {
  if (requested === undefined || requested === 0) return 0;
  await assertPortFree(requested, what);
  return requested;
}

/** Starts Dagy on this machine: the same catalogues and handlers as in AWS, on local stores. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log ?? (() => undefined);
  if (options.functionLogLevel !== undefined && !isLogLevel(options.functionLogLevel)) {
    throw new Error(`log level ${JSON.stringify(options.functionLogLevel)} is not one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT`);
  }
  const threads = options.functionThreads ?? 0;
  if (threads > 0 && (options.clock !== undefined || options.awsMiddleware !== undefined)) {
    // A clock or middleware object cannot be handed to another thread: refuse, never ignore it.
    throw new Error('functionThreads needs the system clock and no awsMiddleware (they cannot cross threads)');
  }
  const clock = options.clock ?? systemClock;
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const stoppers: Array<() => Promise<void>> = [];
  // SIGUSR1 would open this process's inspector (on Node 20 there is no flag to turn that off): a
  // listener keeps it closed while the platform, which holds every key, runs.
  const ignoreDebugSignal = () => undefined;
  process.on('SIGUSR1', ignoreDebugSignal);
  stoppers.push(async () => void process.off('SIGUSR1', ignoreDebugSignal));
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((e: unknown) => log(`stop: ${String(e)}`));
  };
  // Bundled while the stores start, so its seconds overlap DynamoDB Local's.
  const threadBundle: Promise<ThreadBundle> | undefined = threads > 0 ? bundleFunctionThreads() : undefined;
  let threadsStarted = false;
  stoppers.push(async () => {
    if (!threadsStarted) (await threadBundle?.catch(() => undefined))?.dispose();
  });
  try {
    const ports = {
      http: await choosePort(options.ports?.http, 'the HTTP API'),
      s3: await choosePort(options.ports?.s3, 'local S3'),
      emulator: await choosePort(options.ports?.emulator, 'the local AWS endpoint'),
    };
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (dynamodbEndpoint === undefined) {
      const port = await choosePort(options.ports?.dynamodb, 'DynamoDB Local');
      const ddbDir = options.inMemory ? undefined : join(dataDir, 'dynamodb');
      const ddbLocal: DynamoDbLocalHandle = port === 0 ? await startDynamoDbLocalOnFreePort(ddbDir) : await startDynamoDbLocal(port, ddbDir);
      stoppers.push(() => ddbLocal.stop());
      dynamodbEndpoint = ddbLocal.endpoint;
    }
    const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: LOCAL_REGION, credentials: localCredentials });
    stoppers.push(async () => dynamodb.destroy());
    const tables = localTableNames(options.tablePrefix ?? 'dagy-local-');
    const { created } = await ensureTables(dynamodb, tables);
    if (created.length > 0) log(`created ${created.length} tables`);

    const stage = options.stage ?? 'local';
    const buckets = { artifacts: `dagy-${stage}-artifacts`, ingest: `dagy-${stage}-ingest` };
    const s3Local: S3LocalHandle = await startS3Local(ports.s3, join(dataDir, 's3'), Object.values(buckets));
    stoppers.push(() => s3Local.stop());
    const s3 = new S3Client({ endpoint: s3Local.endpoint, region: LOCAL_REGION, credentials: localCredentials, forcePathStyle: true });
    stoppers.push(async () => s3.destroy());

    const emulator = await startAwsEmulator(ports.emulator);
    stoppers.push(() => emulator.stop());

    const resources: LocalResources = {
      stage,
      tables,
      buckets,
      eventBusName: `dagy-${stage}`,
      stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:dagy-${stage}-run`,
      localKeyFile: join(dataDir, 'secrets-master.key'),
      emulatorEndpoint: emulator.endpoint,
      dynamodbEndpoint,
      s3Endpoint: s3Local.endpoint,
      ...(options.functionLogLevel !== undefined ? { logLevel: options.functionLogLevel } : {}),
      allowLoopbackEgress: options.allowLoopbackEgress === true,
    };
    const envFor = (name: FunctionName) => ({ ...localFunctionEnv(name, resources), ...options.functionEnv });
    const runtimes: Runtime[] = [];
    // Functions' SDK clients keep sockets open to the local stores: close them on stop.
    let stopThreads: () => Promise<void> = async () => undefined;
    stoppers.push(async () => {
      runtimes.forEach((r) => r.aws.destroy());
      await stopThreads();
    });
    // Async invocations (task runners) still at work finish before their clients close.
    stoppers.push(() => emulator.drain(5000));
    let host: FunctionHost;
    if (threadBundle !== undefined) {
      threadsStarted = true;
      const threaded = await startFunctionThreads(
        {
          threads,
          envFor,
          ...(options.observeAws ? { observeAws: options.observeAws } : {}),
          ...(options.functionMetricSink ? { metricSink: options.functionMetricSink } : {}),
          ...(options.functionLogSink ? { logSink: options.functionLogSink } : {}),
        },
        threadBundle,
      );
      stopThreads = () => threaded.stop();
      host = threaded;
    } else {
      // Loaded only when used: the functions' modules (the tracer's async hook among them) then
      // stay out of the platform's thread when they run on threads of their own.
      const { createFunctionHost } = await import('./function-host');
      host = createFunctionHost(envFor, {
        clock,
        onRuntime: (runtime) => runtimes.push(runtime),
        ...(options.observeAws ? { observeAws: options.observeAws } : {}),
        ...(options.functionMetricSink ? { metricSink: options.functionMetricSink } : {}),
        ...(options.awsMiddleware ? { awsMiddleware: options.awsMiddleware } : {}),
        ...(options.functionLogSink ? { logSink: options.functionLogSink } : { logSink: () => undefined }),
      });
    }
    const invoke = (name: FunctionName, event: unknown) => host.invoke(name, event);
    // Tenant code never runs in this process: the code executor is one process per organization.
    const codeExecutors = await startCodeExecutorHost();
    stoppers.push(() => codeExecutors.stop());
    emulator.setLambdaInvoke((name, payload, _type, options) =>
      name === 'code-executor' ? codeExecutors.invoke(options.tenantId, payload, options.signal) : invoke(name as FunctionName, payload),
    );

    const bus = createLocalEventBus({
      dagyBusName: resources.eventBusName,
      buckets,
      emulator,
      invoke: (name, event) => (host.has(name) ? invoke(name, event) : Promise.resolve(undefined)),
      onError: (rule, error) => log(`rule ${rule} target failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    stoppers.push(() => bus.stop());
    s3Local.onObjectEvent((record) => {
      const event = s3RecordToBusEvent(record);
      if (event !== null) void bus.put('default', event);
    });

    const context: PlatformContext = { resources, emulator, bus, dynamodb, s3, clock, dataDir, invoke, envFor, log };
    for (const extension of PLATFORM_EXTENSIONS) {
      const handle: ExtensionHandle = await extension(context);
      stoppers.push(() => handle.stop());
    }

    if (options.runTimers) {
      for (const rule of RULES) {
        if (rule.kind !== 'schedule' || !host.has(rule.target)) continue;
        const timer = setInterval(() => {
          const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date(clock.nowMs()).toISOString(), detail: {} };
          invoke(rule.target, event).catch((e: unknown) => log(`${rule.name}: ${e instanceof Error ? e.message : String(e)}`));
        }, rule.everySeconds * 1000);
        stoppers.push(async () => clearInterval(timer));
      }
    }

    if (options.reconcileOnStart) {
      const report = (await invoke('run-reconciler', { options: { staleAfterMs: 0 } })) as { stuck: number };
      if (report.stuck > 0) log(`reconciled ${report.stuck} run(s) left unfinished by the previous process`);
    }

    const gateway: Gateway = await startGateway({
      port: ports.http,
      invoke,
      log,
      authorizerCacheTtlMs: options.authorizerCacheTtlMs ?? 0,
      ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
    });
    stoppers.push(() => gateway.stop());
    return { url: gateway.url, dataDir, resources, dynamodb, s3, bus, emulator, codeExecutors, clock, invoke, envFor, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
