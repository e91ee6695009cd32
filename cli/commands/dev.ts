import type { Command } from 'commander';
import { CliError } from '../errors';

// `dagy dev` (alias `start`, what `npm start` runs): the local platform, as before the CLI grew.
// local/ is imported only when this command runs, so other commands start fast.

interface DevOptions {
  port?: string;
  dynamodbPort?: string;
  s3Port?: string;
  dataDir: string;
  inMemory?: boolean;
  allowLoopbackEgress?: boolean;
  logLevel?: string;
  jsonLogs?: boolean;
  functionThreads?: string;
}

/** Worker threads for the functions under `npm start` (one for the API, one for the rest). */
const DEFAULT_FUNCTION_THREADS = 2;

function threadCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_FUNCTION_THREADS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new CliError(`--function-threads must be a whole number from 0 to 16, got "${value}"`);
  return n;
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`${name} must be a port number, got "${value}"`);
  return n;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .alias('start')
    .description('Run the local platform: DynamoDB Local, s3rver, the AWS emulator and the HTTP API (Ctrl-C stops it)')
    .option('--port <n>', 'HTTP API port (default 3000; env DAGY_PORT)')
    .option('--dynamodb-port <n>', 'DynamoDB Local port (default: a free port)')
    .option('--s3-port <n>', 'local S3 port (default: a free port)')
    .option('--data-dir <path>', 'where data lives', '.dagy')
    .option('--in-memory', 'keep DynamoDB data in memory')
    .option('--log-level <level>', "functions' log level: DEBUG, INFO (default), WARN, ERROR")
    .option('--json-logs', 'print function logs as the JSON lines CloudWatch gets')
    .option('--function-threads <n>', `worker threads hosting the functions (default ${DEFAULT_FUNCTION_THREADS}: the API on one, runs on the other; 0: all in the platform's thread)`)
    .option('--allow-loopback-egress', 'let HTTP tasks and polling sensors reach http://127.0.0.1 (local receivers; off by default)')
    .action(async (options: DevOptions) => {
      // Node 20 is supported by the locked SDK release; its notice about 2027 releases is noise here.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const { startPlatform } = await import('../../local/platform');
      const { seedDemo } = await import('../../local/seed-demo');
      const { functionLogPrinter } = await import('../../local/function-logs');
      const started = Date.now();
      const dataDir = options.dataDir;
      const inMemory = options.inMemory ?? false;
      const functionThreads = threadCount(options.functionThreads);
      const platform = await startPlatform({
        functionThreads,
        allowLoopbackEgress: options.allowLoopbackEgress === true,
        dataDir,
        inMemory,
        ports: {
          http: port(options.port ?? process.env.DAGY_PORT ?? '3000', '--port'),
          dynamodb: port(options.dynamodbPort, '--dynamodb-port'),
          s3: port(options.s3Port, '--s3-port'),
        },
        runTimers: true,
        reconcileOnStart: true,
        log: (line) => process.stdout.write(`${line}\n`),
        functionLogLevel: (options.logLevel ?? 'INFO').toUpperCase(),
        functionLogSink: functionLogPrinter({ json: options.jsonLogs ?? false, write: (text) => process.stdout.write(text) }),
      });
      const demo = await seedDemo(platform.url, dataDir, { persist: !inMemory }).catch(async (error: unknown) => {
        await platform.stop();
        throw error;
      });
      process.stdout.write(`\nDagy local platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`  HTTP API   ${platform.url}/v1   (try: curl ${platform.url}/v1/health)\n`);
      process.stdout.write(`  DynamoDB   ${platform.resources.dynamodbEndpoint}\n`);
      process.stdout.write(`  S3         ${platform.resources.s3Endpoint}  (ingest bucket: ${platform.resources.buckets.ingest})\n`);
      process.stdout.write(`\nDemo organization ${demo.org_id} (${demo.email} / ${demo.password})\n`);
      process.stdout.write(`  export DAGY_URL=${platform.url} DAGY_API_KEY=${demo.api_key}\n`);
      process.stdout.write(`  or: npx dagy login --url ${platform.url} --api-key ${demo.api_key}\n`);
      process.stdout.write(`  example flow: ${demo.flow_name} ${demo.flow_version} (see README "Quick start")\n`);
      process.stdout.write('Press Ctrl-C to stop.\n');
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping...\n`);
        platform.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`error while stopping: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
