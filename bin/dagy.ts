#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';

// Node 20 is supported by the locked SDK release; its notice about 2027 releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { startPlatform } from '../local/platform';
import { seedDemo } from '../local/seed-demo';
import { functionLogPrinter } from '../local/function-logs';

const HELP = `dagy: the Dagy local platform

usage: dagy start [options]

options:
  --port <n>           HTTP API port (default 3000; env DAGY_PORT)
  --dynamodb-port <n>  DynamoDB Local port (default: a free port)
  --s3-port <n>        local S3 port (default: a free port)
  --data-dir <path>    where data lives (default .dagy)
  --in-memory          keep DynamoDB data in memory
  --log-level <level>  functions' log level: DEBUG, INFO (default), WARN, ERROR
  --json-logs          print function logs as the JSON lines CloudWatch gets
  -h, --help           this text
`;

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'dynamodb-port': { type: 'string' },
      's3-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      'log-level': { type: 'string' },
      'json-logs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'start';
  if (values.help || command !== 'start') {
    process.stdout.write(HELP);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const started = Date.now();
  const dataDir = values['data-dir'] ?? '.dagy';
  const inMemory = values['in-memory'] ?? false;
  const platform = await startPlatform({
    dataDir,
    inMemory,
    ports: {
      http: port(values.port ?? process.env.DAGY_PORT ?? '3000', '--port'),
      dynamodb: port(values['dynamodb-port'], '--dynamodb-port'),
      s3: port(values['s3-port'], '--s3-port'),
    },
    runTimers: true,
    reconcileOnStart: true,
    log: (line) => process.stdout.write(`${line}\n`),
    functionLogLevel: (values['log-level'] ?? 'INFO').toUpperCase(),
    functionLogSink: functionLogPrinter({ json: values['json-logs'] ?? false, write: (text) => process.stdout.write(text) }),
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
}

main().catch((error: unknown) => {
  process.stderr.write(`dagy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
