import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { zipSync } from 'fflate';
import { RunRepository } from '../../../lambdas/execution/run-repository';
import { TaskRunRepository } from '../../../lambdas/execution/task-run-repository';
import { systemClock, type Clock } from '../../../lambdas/shared/clock';
import { runSlug, uuidv7 } from '../../../lambdas/shared/ids';
import { localCredentials, LOCAL_REGION } from '../../../local/local-credentials';
import type { Platform } from '../../../local/platform';
import type { ApiClient } from '../../support/platform';
import { startTestPlatform } from '../../support/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';

/**
 * Task code the executor tests run (one module, many exports). Each export exercises one way a
 * task can end: values passed downstream, retries, failures of every kind, hangs.
 */
export const TEST_TASKS = String.raw`
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function seed({ parameters, context }) {
  context.log('seeding', parameters.start);
  return { value: parameters.start, attempt: context.attempt };
}
export async function add({ parameters, inputs }) {
  const sum = Object.values(inputs).reduce((acc, out) => acc + out.value, 0);
  return { value: sum + (parameters.n ?? 0), from: Object.keys(inputs).sort() };
}
export async function flaky({ context }) {
  console.log('attempt', context.attempt);
  if (context.attempt < 3) throw new Error('flaky failure on attempt ' + context.attempt);
  return { value: 100, attempt: context.attempt };
}
export async function boom() {
  throw new Error('boom');
}
export async function failIf({ parameters, inputs }) {
  if (parameters.fail === true) throw new Error('asked to fail');
  return { value: (inputs.seed?.value ?? 0) + 1 };
}
export async function hang() {
  await new Promise(() => setInterval(() => {}, 1000));
}
export function spin() {
  for (;;) {}
}
export async function sleepy({ parameters }) {
  await sleep(parameters.ms ?? 30000);
  return { slept: parameters.ms ?? 30000 };
}
export async function exits() {
  process.exit(3);
}
export async function throwsString() {
  throw 'plain string';
}
export async function throwsObject() {
  throw { code: 42 };
}
export async function tooBig() {
  return { blob: 'x'.repeat(300 * 1024) };
}
export async function bulky({ parameters, inputs, context }) {
  // Log lines and an output of the sizes asked for, around the inline limits of the TaskRun item.
  for (let i = 0; i < (parameters.lines ?? 0); i++) console.log('line ' + i + ' ' + 'z'.repeat(90));
  if (parameters.failFirst === true && context.attempt === 1) throw new Error('first attempt fails');
  const got = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.blob.length]));
  return { blob: 'y'.repeat(parameters.bytes ?? 0), got };
}
export async function notJson() {
  return { when: new Date(0) };
}
export async function secretsSeen({ secrets }) {
  return { keys: Object.keys(secrets).sort(), length: (secrets.API_TOKEN ?? '').length };
}
export async function countHit({ parameters }) {
  await fetch(parameters.counter);
  return { counted: true };
}
export async function kill() {
  // Task code runs in a sandbox process whose parent is its code executor: try to kill it (refused).
  process.kill(process.ppid, 'SIGKILL');
  await sleep(10000);
}
`;

export type Executor = 'step-functions' | 'lambda' | 'ecs';

export interface ExecutorFixture {
  platform: Platform;
  tenant: TestTenant;
  api: ApiClient;
}

export async function startExecutorFixture(overrides: Parameters<typeof startTestPlatform>[0] = {}): Promise<ExecutorFixture> {
  const platform = await startTestPlatform(overrides);
  try {
    const tenant = await signUpTenant(platform.url, 'executors');
    return { platform, tenant, api: tenant.api };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** The ZIP of the test task module. */
export function testArtifact(extraFiles: Record<string, string> = {}): string {
  const files: Record<string, Uint8Array> = { 'tasks/lib.mjs': Buffer.from(TEST_TASKS) };
  for (const [path, text] of Object.entries(extraFiles)) files[path] = Buffer.from(text);
  // A fixed entry time: the same files give the same bytes (hence the same code_hash) whenever zipped.
  return Buffer.from(zipSync(files, { mtime: new Date('2026-01-01T00:00:00Z') })).toString('base64');
}

let flowCounter = 0;

/** A task that sleeps a minute, then one after it: a run to cancel while its first task runs. */
export const SLEEPER_THEN_AFTER = {
  tasks: [
    { name: 'sleeper', handler: 'sleepy', timeout_seconds: 120, parameters: { ms: 60_000 } },
    { name: 'after', handler: 'add', timeout_seconds: 30 },
  ],
  edges: [{ from: 'sleeper', to: 'after' }],
};

/** Registers a flow of the test tasks (`handler` is an export of tasks/lib.mjs) and returns its name. */
export async function registerFlow(
  api: ApiClient,
  spec: { tasks: Array<Record<string, unknown>>; edges?: Array<{ from: string; to: string }>; outputs?: Record<string, string> },
  prefix = 'flow',
): Promise<{ flow_name: string; flow_version: string }> {
  const flow_name = `${prefix}-${++flowCounter}-${Date.now().toString(36)}`;
  const tasks = spec.tasks.map((t) =>
    t.type === 'http' ? t : { type: 'code', ...t, handler: `tasks/lib.mjs:${String(t.handler ?? t.name)}` },
  );
  const res = await api.post('/v1/flows', {
    flow_name,
    flow_version: '1.0.0',
    flow_spec: { tasks, edges: spec.edges ?? [], ...(spec.outputs ? { outputs: spec.outputs } : {}) },
    artifact: { zip_base64: testArtifact() },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register flow: ${res.status} ${JSON.stringify(res.body)}`);
  return { flow_name, flow_version: '1.0.0' };
}

export interface RunView {
  run_id: string;
  status: string;
  error_message: string | null;
  outputs: Record<string, unknown> | null;
  external_id: string | null;
  /** The run's modelled cost, once its ledger closed. */
  cost: { total_usd: number; task_runs_usd: number } | null;
  task_runs: Array<{
    task_name: string;
    task_run_id: string;
    status: string;
    attempt: number;
    error_message: string | null;
    output_ref: string | null;
    reused_from_run_id: string | null;
    executor: string | null;
    cost: { total_usd: number } | null;
  }>;
}

export async function startRun(api: ApiClient, body: Record<string, unknown>): Promise<RunView> {
  const res = await api.post('/v1/runs', body);
  if (res.status !== 202) throw new Error(`start run: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as RunView;
}

export async function getRun(api: ApiClient, runId: string): Promise<RunView> {
  const res = await api.get(`/v1/runs/${runId}`);
  if (res.status !== 200) throw new Error(`get run: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as RunView;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Polls the run until `done` holds (default: a terminal status); fails after `limitMs`. */
export async function waitForRun(api: ApiClient, runId: string, done: (run: RunView) => boolean = (r) => TERMINAL.has(r.status), limitMs = 60_000): Promise<RunView> {
  const until = Date.now() + limitMs;
  for (;;) {
    const run = await getRun(api, runId);
    if (done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export function taskRun(run: RunView, name: string): RunView['task_runs'][number] {
  const found = run.task_runs.find((t) => t.task_name === name);
  if (found === undefined) throw new Error(`no task run ${name} in ${JSON.stringify(run.task_runs)}`);
  return found;
}

export async function taskLogs(api: ApiClient, runId: string, taskRunId: string): Promise<string> {
  const res = await api.get(`/v1/runs/${runId}/task-runs/${taskRunId}/logs`);
  if (res.status !== 200) throw new Error(`logs: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as unknown;
  if (typeof body === 'string') return body;
  const record = body as { logs?: unknown; text?: unknown; content?: unknown };
  return String(record.logs ?? record.text ?? record.content ?? JSON.stringify(body));
}

/** Repositories on the platform's own tables (to set up states the API cannot produce). */
export function repositoriesOf(platform: Platform, clock: Clock = systemClock) {
  const ddb = DynamoDBDocumentClient.from(platform.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    runs: new RunRepository({ ddb, tableName: platform.resources.tables.Run, clock }),
    taskRuns: new TaskRunRepository({ ddb, tableName: platform.resources.tables.TaskRun, clock }),
  };
}

/**
 * A QUEUED run with PENDING task runs written straight to the tables, as the run starter does,
 * but not started: the test starts its execution itself (e.g. with loop options).
 */
export async function createQueuedRun(
  platform: Platform,
  orgId: string,
  flow: { flow_name: string; flow_version: string },
  tasks: string[],
  options: { executor?: Executor; parameters?: Record<string, string | number | boolean> } = {},
): Promise<string> {
  const { runs, taskRuns } = repositoriesOf(platform);
  const runId = uuidv7();
  await runs.create({
    org_id: orgId,
    run_id: runId,
    run_slug: runSlug(),
    flow_name: flow.flow_name,
    flow_version: flow.flow_version,
    deployment_name: null,
    environment: null,
    parameters: options.parameters ?? {},
    executor: options.executor ?? 'step-functions',
    trigger_type: 'manual',
    trigger_id: null,
    trigger_slot: null,
    retry_of: null,
    actor_email: 'test@example.com',
    idempotency_key: null,
  });
  await taskRuns.createMany(orgId, runId, tasks.map((task_name) => ({ task_name })));
  return runId;
}

/** StartExecution of the run state machine through the local endpoint, as the run starter calls it. */
export async function startExecution(platform: Platform, name: string, input: Record<string, unknown>): Promise<string> {
  const sfn = new SFNClient({ endpoint: platform.resources.emulatorEndpoint, region: LOCAL_REGION, credentials: localCredentials });
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: platform.resources.stateMachineArn, name, input: JSON.stringify(input) }));
    return out.executionArn!;
  } finally {
    sfn.destroy();
  }
}
