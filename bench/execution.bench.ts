import { randomBytes } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { Platform } from '../local/platform';
import { localStepFunctionsOf } from '../local/step-functions/local-step-functions';
import { criticalPath, parseFlowSpec, type FlowSpec } from '../lambdas/engine';
import { createRunStores } from '../lambdas/execution/run-stores';
import type { RunRecord } from '../lambdas/execution/run-repository';
import { isTerminalRunStatus } from '../lambdas/engine';
import { createRuntime } from '../lambdas/shared/runtime';
import { withBenchPlatform } from './support';

/*
 * The step-functions executor, measured on the local platform (the same ASL, orchestrator and task
 * runner as in AWS; DynamoDB Local; the local Step Functions runner):
 * - DynamoDB requests per task run (goal ≤ 4): every DynamoDB command any function sends while a
 *   20-task chain runs (execution only: the start request is reported apart), ÷ task runs;
 * - state transitions per task (goal ≤ 4): the runner's count of states entered ÷ tasks;
 * - wall time of a 100-task chain and a 200-task fan-out (trivial tasks);
 * - makespan ÷ critical path on a DAG with uneven task durations (goal ≤ 1.2);
 * - modelled AWS cost per 1,000 task runs for each executor (goal ≤ $0.05 with step-functions),
 *   from the cost ledger of the runs above (the cost each run recorded when it ended, see
 *   lambdas/usage/cost-model.ts), and of a 20-task chain on the lambda and ecs executors (run
 *   after every other figure is taken, so they change none of them).
 */

const TASK_CODE = `
export async function run({ parameters }) {
  const ms = typeof parameters.ms === 'number' ? parameters.ms : 0;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return { ms };
}
`;

function artifactBase64(): string {
  return Buffer.from(zipSync({ 'tasks/sleep.mjs': strToU8(TASK_CODE) })).toString('base64');
}

type Task = FlowSpec['tasks'][number];
const task = (name: string, ms = 0): Task => ({ name, type: 'code', handler: 'tasks/sleep.mjs:run', parameters: { ms } });

function chain(n: number): FlowSpec {
  const tasks = Array.from({ length: n }, (_, i) => task(`t${String(i).padStart(3, '0')}`));
  return { tasks, edges: tasks.slice(1).map((t, i) => ({ from: tasks[i]!.name, to: t.name })) };
}

function fanOut(n: number): FlowSpec {
  const leaves = Array.from({ length: n }, (_, i) => task(`leaf${String(i).padStart(3, '0')}`));
  return { tasks: [task('root'), ...leaves], edges: leaves.map((l) => ({ from: 'root', to: l.name })) };
}

/**
 * Three branches whose slow task sits at a different depth, then a join: a level-by-level
 * executor waits for the slow task of every level (≈ 3 × slow), an eager one only for the slowest
 * branch (≈ slow + 2 × fast).
 */
function unevenDag(slowMs: number, fastMs: number): FlowSpec {
  const tasks: Task[] = [];
  const edges: Array<{ from: string; to: string }> = [];
  for (const [b, slowAt] of [['a', 0], ['b', 1], ['c', 2]] as const) {
    for (let i = 0; i < 3; i++) {
      tasks.push(task(`${b}${i}`, i === slowAt ? slowMs : fastMs));
      if (i > 0) edges.push({ from: `${b}${i - 1}`, to: `${b}${i}` });
    }
    edges.push({ from: `${b}2`, to: 'join' });
  }
  tasks.push(task('join', fastMs));
  return { tasks, edges };
}

function criticalPathMs(spec: FlowSpec): number {
  const normalized = parseFlowSpec(spec);
  const durations = Object.fromEntries(normalized.tasks.map((t) => [t.name, Number((t.parameters as { ms?: number }).ms ?? 0)]));
  return criticalPath(normalized, (name) => durations[name] ?? 0).duration;
}

interface Api {
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

function api(baseUrl: string, token?: string): Api {
  return {
    async post(path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

async function tenant(platform: Platform): Promise<{ api: Api; orgId: string }> {
  const suffix = randomBytes(4).toString('hex');
  const res = await api(platform.url).post('/v1/auth/signup', {
    email: `bench-${suffix}@example.com`,
    password: `bench-horse-${suffix}-battery`,
    name: 'bench',
    org_name: `bench ${suffix}`,
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { access_token: { token: string }; organization: { org_id: string } };
  return { api: api(platform.url, body.access_token.token), orgId: body.organization.org_id };
}

export async function run(): Promise<Record<string, unknown>> {
  const counts = new Map<string, number>();
  let counting = false;
  // The usage meter's requests (metering the runs' status events) are counted apart: they are not
  // the executor's, and the cost ledger prices them with the runs.
  let meterDdb = 0;
  const observeAws = (service: string, command: string, functionName: string) => {
    if (!counting) return;
    if (functionName === 'usage-meter') {
      if (service === 'ddb') meterDdb++;
      return;
    }
    const key = `${service}:${command}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const sum = (prefix: string) => [...counts.entries()].filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);

  return withBenchPlatform(
    async (platform) => {
      const { api: client, orgId } = await tenant(platform);
      // Reads for polling go through a runtime without the observer: they are not counted.
      const { runs } = createRunStores(createRuntime('http-execution', platform.envFor('http-execution'), { logSink: () => undefined }));
      const sfn = localStepFunctionsOf(platform.emulator);
      const artifact = artifactBase64();

      async function register(name: string, spec: FlowSpec): Promise<void> {
        const res = await client.post('/v1/flows', { flow_name: name, flow_version: '1', default_executor: 'step-functions', flow_spec: spec, artifact: { zip_base64: artifact } });
        if (res.status !== 201 && res.status !== 200) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      }

      async function runToEnd(name: string, executor = 'step-functions'): Promise<{ run: RunRecord; wallMs: number; transitions: number; startDdb: number }> {
        counts.clear();
        counting = true;
        const t0 = performance.now();
        const res = await client.post('/v1/runs', { flow_name: name, flow_version: '1', executor });
        if (res.status !== 202) throw new Error(`start ${name}: ${res.status} ${JSON.stringify(res.body)}`);
        const startDdb = sum('ddb:');
        counts.clear();
        const runId = String(res.body.run_id);
        const info = await sfn.settled(String(res.body.external_id));
        const wallMs = performance.now() - t0;
        counting = false;
        let run = await runs.get(orgId, runId, { consistent: true });
        // The execution ends after the run is finalized; this only guards against a lagging read.
        for (let i = 0; run !== null && !isTerminalRunStatus(run.status) && i < 50; i++) {
          await new Promise((r) => setTimeout(r, 20));
          run = await runs.get(orgId, runId, { consistent: true });
        }
        if (run === null || run.status !== 'SUCCEEDED') throw new Error(`run ${name} ended ${run?.status}: ${run?.error_message}`);
        return { run, wallMs, transitions: info?.transitions ?? NaN, startDdb };
      }

      const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

      // 1. DynamoDB requests and state transitions per task (20-task chain).
      await register('chain20', chain(20));
      meterDdb = 0;
      const c20 = await runToEnd('chain20');
      const ddbExecution = sum('ddb:');
      const ddbUsageMeter = meterDdb;
      const ddbByCommand = Object.fromEntries([...counts.entries()].filter(([k]) => k.startsWith('ddb:')).sort());

      // 2. Wall time: 100-task chain, 200-task fan-out.
      await register('chain100', chain(100));
      const c100 = await runToEnd('chain100');
      await register('fanout200', fanOut(200));
      const f200 = await runToEnd('fanout200');

      // 3. Makespan ÷ critical path, uneven durations.
      const uneven = unevenDag(1500, 150);
      await register('uneven', uneven);
      const u = await runToEnd('uneven');
      const makespan = Date.parse(u.run.completed_at!) - Date.parse(u.run.started_at!);
      const critical = criticalPathMs(uneven);
      // What a "Map over the ready set, then advance" loop would need at best: each level waits
      // for its slowest task (1500 ms at each of the three levels, then the join).
      const levelByLevelBound = 3 * 1500 + 150;

      // 4. Modelled cost per 1,000 task runs, from the costs the runs recorded.
      const perThousand = (done: Array<{ run: RunRecord; tasks: number }>) => {
        const tasks = done.reduce((a, d) => a + d.tasks, 0);
        const missing = done.filter((d) => d.run.cost === null).map((d) => d.run.run_id);
        if (missing.length > 0) throw new Error(`runs without a recorded cost: ${missing.join(', ')}`);
        const usd = done.reduce((a, d) => a + d.run.cost!.total_usd, 0);
        const byComponent: Record<string, number> = {};
        for (const d of done) for (const [k, line] of Object.entries(d.run.cost!.components)) byComponent[k] = (byComponent[k] ?? 0) + line.usd;
        return {
          usd: round((usd / tasks) * 1000, 6),
          task_runs: tasks,
          by_component: Object.fromEntries(Object.entries(byComponent).map(([k, v]) => [k, round((v / tasks) * 1000, 6)])),
        };
      };
      const sfnCost = perThousand([
        { run: c20.run, tasks: 20 },
        { run: c100.run, tasks: 100 },
        { run: f200.run, tasks: 201 },
        { run: u.run, tasks: uneven.tasks.length },
      ]);
      // The whole-DAG executors refuse a DAG whose worst case (timeouts × retries) exceeds their cap:
      // the same chain with 10-second task timeouts.
      const short = chain(20);
      short.tasks = short.tasks.map((t) => ({ ...t, timeout_seconds: 10 }));
      await register('chain20short', short);
      const lambdaCost = perThousand([{ run: (await runToEnd('chain20short', 'lambda')).run, tasks: 20 }]);
      const ecsCost = perThousand([{ run: (await runToEnd('chain20short', 'ecs')).run, tasks: 20 }]);

      return {
        executor: 'step-functions',
        ddb_requests_per_task_run: round(ddbExecution / 20),
        ddb_requests_per_task_run_goal: 4,
        ddb_requests_chain20_execution: ddbExecution,
        ddb_requests_chain20_by_command: ddbByCommand,
        ddb_requests_start_request: c20.startDdb,
        ddb_requests_usage_meter_chain20: ddbUsageMeter,
        state_transitions_per_task: round(c20.transitions / 20),
        state_transitions_per_task_goal: 4,
        state_transitions_chain20: c20.transitions,
        chain100_wall_ms: Math.round(c100.wallMs),
        chain100_state_transitions: c100.transitions,
        fanout200_wall_ms: Math.round(f200.wallMs),
        fanout200_state_transitions: f200.transitions,
        uneven_dag_makespan_ms: makespan,
        uneven_dag_critical_path_ms: critical,
        uneven_dag_level_by_level_bound_ms: levelByLevelBound,
        makespan_over_critical_path: round(makespan / critical, 3),
        makespan_over_critical_path_goal: 1.2,
        modelled_cost_usd_per_1000_task_runs: { 'step-functions': sfnCost.usd, lambda: lambdaCost.usd, ecs: ecsCost.usd },
        modelled_cost_usd_per_1000_task_runs_goal_step_functions: 0.05,
        modelled_cost_usd_per_1000_task_runs_by_component: { 'step-functions': sfnCost.by_component, lambda: lambdaCost.by_component, ecs: ecsCost.by_component },
        modelled_cost_task_runs_priced: { 'step-functions': sfnCost.task_runs, lambda: lambdaCost.task_runs, ecs: ecsCost.task_runs },
      };
    },
    { observeAws },
  );
}
