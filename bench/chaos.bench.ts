import { randomBytes } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isTerminalRunStatus } from '../lambdas/engine';
import type { ReconcileReport } from '../lambdas/execution/reconciler/reconcile';
import { RunRepository } from '../lambdas/execution/run-repository';
import { TaskRunRepository } from '../lambdas/execution/task-run-repository';
import { systemClock } from '../lambdas/shared/clock';
import { createFaultInjector, isDynamoWrite, throttleError } from '../local/fault-injection';
import type { Platform } from '../local/platform';
import { localStepFunctionsOf } from '../local/step-functions/local-step-functions';
import { withBenchPlatform } from './support';

/*
 * Chaos: 100 runs (the executors in turn: step-functions, lambda, ecs) started through the API
 * while random faults are injected into the functions' AWS calls for the first seconds: DynamoDB writes
 * throttled (ProvisionedThroughputExceeded), the orchestrator's Step Functions callbacks failing,
 * the task runner's event puts failing, the loop's invocations of task runners throttled (a
 * dispatch that fails counts as a failed attempt, as designed: the task's retry runs it). The
 * reconciler sweeps every 5 s (its rule runs every minute in AWS; faster here so the figure
 * measures the platform, not the sweep period).
 * Figures: runs stuck (not terminal at the end, and what each is stuck in), completions lost (a
 * task run seen SUCCEEDED that is not SUCCEEDED with the same output at the end), why runs failed,
 * and the time for the last run to settle.
 * Run only this section with `npm run bench -- chaos`.
 */

const RUNS = 100;
/** The executors the runs take in turn (BENCH_CHAOS_EXECUTORS=step-functions,lambda picks some). */
const EXECUTORS = (process.env.BENCH_CHAOS_EXECUTORS ?? 'step-functions,lambda,ecs').split(',');
const FAULT_WINDOW_MS = 8_000;
const SETTLE_LIMIT_MS = 600_000;

const TASK_CODE = `
export async function run({ parameters, inputs }) {
  const ms = typeof parameters.ms === 'number' ? parameters.ms : 0;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return { ms, from: Object.keys(inputs) };
}
`;

async function post(url: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function setUp(platform: Platform): Promise<{ token: string; orgId: string; flow: { flow_name: string; flow_version: string } }> {
  const suffix = randomBytes(4).toString('hex');
  const signup = await post(`${platform.url}/v1/auth/signup`, {
    email: `chaos-${suffix}@example.com`,
    password: `chaos-horse-${suffix}-battery`,
    name: 'chaos',
    org_name: `chaos ${suffix}`,
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  const { access_token, organization } = signup.body as { access_token: { token: string }; organization: { org_id: string } };
  const flow = { flow_name: `chaos-${suffix}`, flow_version: '1.0.0' };
  const task = (name: string, ms: number) => ({ name, type: 'code', handler: 'tasks/t.mjs:run', parameters: { ms }, timeout_seconds: 5, retries: 1, retry_delay_seconds: 1 });
  const registered = await post(
    `${platform.url}/v1/flows`,
    {
      ...flow,
      flow_spec: { tasks: [task('a', 50), task('b', 200), task('c', 20), task('d', 10)], edges: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'd' }, { from: 'c', to: 'd' }] },
      artifact: { zip_base64: Buffer.from(zipSync({ 'tasks/t.mjs': strToU8(TASK_CODE) })).toString('base64') },
    },
    access_token.token,
  );
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  return { token: access_token.token, orgId: organization.org_id, flow };
}

export async function run(): Promise<Record<string, unknown>> {
  const faults = createFaultInjector();
  return withBenchPlatform(
    async (platform) => {
      localStepFunctionsOf(platform.emulator).configure({ retryIntervalOverrides: { Start: 200, Advance: 200, Finalize: 200, ContinueAsNew: 200 } });
      const { token, orgId, flow } = await setUp(platform);
      const rules = [
        faults.add({ match: isDynamoWrite, rate: 0.1, times: Infinity, error: throttleError }),
        faults.add({ match: (c) => c.service === 'sfn' && c.functionName !== 'http-execution', rate: 0.05, times: Infinity, error: () => Object.assign(new Error('injected: Step Functions unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }) }),
        faults.add({ match: (c) => c.service === 'events', rate: 0.1, times: Infinity, error: () => Object.assign(new Error('injected: EventBridge throttled'), { name: 'ThrottlingException' }) }),
        // The loop's invocations of task runners throttled: the dispatch fails and its attempt is retried.
        faults.add({ match: (c) => c.service === 'lambda' && c.functionName === 'run-orchestrator', rate: 0.05, times: Infinity, error: () => Object.assign(new Error('injected: Lambda throttled'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }) }),
      ];
      const started = Date.now();
      const runIds: string[] = [];
      let startRetries = 0;
      for (let i = 0; i < RUNS; i++) {
        // A client retries a 5xx with the same Idempotency-Key: the same run, never two.
        for (let attempt = 0; ; attempt++) {
          const res = await post(`${platform.url}/v1/runs`, { ...flow, executor: EXECUTORS[i % EXECUTORS.length] }, token, { 'idempotency-key': `chaos-${i}` });
          if (res.status === 202 || res.status === 200) {
            runIds.push(String(res.body.run_id));
            break;
          }
          if (res.status < 500 || attempt > 10) throw new Error(`start run: ${res.status} ${JSON.stringify(res.body)}`);
          startRetries++;
        }
      }
      const faultsUntil = started + FAULT_WINDOW_MS;
      const ddb = DynamoDBDocumentClient.from(platform.dynamodb);
      const runs = new RunRepository({ ddb, tableName: platform.resources.tables.Run, clock: systemClock });
      const taskRuns = new TaskRunRepository({ ddb, tableName: platform.resources.tables.TaskRun, clock: systemClock });
      const succeeded = new Map<string, string | null>();
      let lastSweep = 0;
      let sweeps = 0;
      let settledMs = -1;
      let stuck = runIds.length;
      const reconciled = { started: 0, finalized: 0, failed: 0, woken: 0 };
      while (Date.now() - started < SETTLE_LIMIT_MS) {
        if (Date.now() > faultsUntil) for (const rule of rules) rule.stop();
        const current = await Promise.all(runIds.map((id) => runs.get(orgId, id, { consistent: true })));
        for (const run of current) {
          if (run === null) continue;
          for (const t of await taskRuns.listForRun(orgId, run.run_id, { consistent: true })) {
            if (t.status === 'SUCCEEDED') succeeded.set(`${run.run_id}/${t.task_name}`, t.output_ref);
          }
        }
        stuck = current.filter((r) => r === null || !isTerminalRunStatus(r.status)).length;
        if (stuck === 0 && Date.now() > faultsUntil) {
          settledMs = Date.now() - started;
          break;
        }
        if (Date.now() - lastSweep > 5_000) {
          lastSweep = Date.now();
          sweeps++;
          const report = (await platform.invoke('run-reconciler', { options: { staleAfterMs: 5_000 } })) as ReconcileReport;
          reconciled.started += report.started.length;
          reconciled.finalized += report.finalized.length;
          reconciled.failed += report.failed.length;
          reconciled.woken += report.woken.length;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      // Lost: a completion that was recorded and is no longer there.
      let lost = 0;
      const finalRuns = await Promise.all(runIds.map((id) => runs.get(orgId, id, { consistent: true })));
      for (const run of finalRuns) {
        if (run === null) continue;
        for (const t of await taskRuns.listForRun(orgId, run.run_id, { consistent: true })) {
          const key = `${run.run_id}/${t.task_name}`;
          if (succeeded.has(key) && (t.status !== 'SUCCEEDED' || t.output_ref !== succeeded.get(key))) lost++;
        }
      }
      const byStatus: Record<string, number> = {};
      for (const run of finalRuns) byStatus[run?.status ?? 'MISSING'] = (byStatus[run?.status ?? 'MISSING'] ?? 0) + 1;
      return {
        runs: RUNS,
        fault_window_ms: FAULT_WINDOW_MS,
        faults_injected: Object.fromEntries(['dynamodb_write_throttles', 'sfn_failures', 'eventbridge_throttles', 'runner_invoke_throttles'].map((k, i) => [k, rules[i]!.failed.length])),
        start_request_retries: startRetries,
        stuck,
        lost,
        last_settled_ms: settledMs,
        final_status: byStatus,
        reconcile_sweeps: sweeps,
        reconciled,
        // Why runs failed (the faults end every run that cannot heal): reason → runs.
        failed_reasons: finalRuns
          .filter((r) => r?.status === 'FAILED')
          .reduce<Record<string, number>>((acc, r) => {
            const reason = `${r!.executor}: ${(r!.error_message ?? 'no reason').slice(0, 160)}`;
            acc[reason] = (acc[reason] ?? 0) + 1;
            return acc;
          }, {}),
        // What a stuck run is stuck in (none when every run settled).
        stuck_runs: finalRuns
          .filter((r) => r !== null && !isTerminalRunStatus(r.status))
          .map((r) => ({ run_id: r!.run_id, executor: r!.executor, status: r!.status, queued_reason: r!.queued_reason, has_execution: r!.external_id !== null, idle_s: Math.round((Date.now() - Date.parse(r!.updated_at)) / 1000) })),
      };
    },
    { awsMiddleware: faults.middleware },
  );
}
