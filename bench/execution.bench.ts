import { localStepFunctionsOf } from '../local/step-functions/local-step-functions';
import type { FlowSpec } from '../lambdas/engine';
import { createRunStores } from '../lambdas/execution/run-stores';
import type { RunRecord } from '../lambdas/execution/run-repository';
import type { TaskRunRepository } from '../lambdas/execution/task-run-repository';
import { isTerminalRunStatus } from '../lambdas/engine';
import { createRuntime } from '../lambdas/shared/runtime';
import { benchTenant, registerBenchFlow } from './client';
import { withBenchPlatform } from './support';
import { measureBundles } from './execution/bundles';
import { measureWriteFloor, MIN_SEQUENTIAL_WRITES_PER_TASK, shapeFloors } from './execution/floor';
import { chain, criticalPathMs, fanOut, unevenDag } from './execution/shapes';

/*
 * The step-functions executor, measured on the local platform (the same ASL, orchestrator and task
 * runner as in AWS; DynamoDB Local; the local Step Functions runner):
 * - DynamoDB requests per task run (goal ≤ 4): every DynamoDB command any function sends while a
 *   20-task chain runs (execution only: the start request is reported apart), ÷ task runs;
 * - state transitions per task (goal ≤ 4): the runner's count of states entered ÷ tasks;
 * - wall time of a 100-task chain and a 200-task fan-out (trivial tasks);
 * - makespan ÷ critical path on a DAG with uneven task durations (goal ≤ 1.2);
 * - modelled AWS cost per 1,000 task runs for each executor (goal ≤ $0.05 with step-functions),
 *   from the cost ledger of the runs below (the cost each run recorded when it ended, see
 *   lambdas/usage/cost-model.ts).
 * The same shapes run through every executor (`executors.<executor>`), read against the floor that
 * DynamoDB Local's write latency sets, measured in the same run (`floor`); then each function's
 * minified bundle size and cold import time (`bundles`).
 */

type Executor = 'step-functions' | 'lambda' | 'ecs';
const ALL_EXECUTORS: Executor[] = ['step-functions', 'lambda', 'ecs'];
/**
 * BENCH_EXECUTORS=lambda,ecs narrows the run to some executors (A/B runs, profiles); the
 * step-functions figures at the top level are then absent. BENCH_BUNDLES=0 skips the bundles.
 */
const EXECUTORS: Executor[] = process.env.BENCH_EXECUTORS ? ALL_EXECUTORS.filter((e) => process.env.BENCH_EXECUTORS!.split(',').includes(e)) : ALL_EXECUTORS;
const WITH_BUNDLES = process.env.BENCH_BUNDLES !== '0';
/** BENCH_TIMELINE=1: each fan-out's and uneven DAG's timeline on stderr (printTimeline). */
const TIMELINE = process.env.BENCH_TIMELINE === '1';

export async function run(): Promise<Record<string, unknown>> {
  const counts = new Map<string, number>();
  let counting = false;
  // The usage meter's requests (metering the runs' status events) are counted apart: they are not
  // the executor's, and the cost ledger prices them with the runs.
  let meterDdb = 0;
  // Plan-limit admission's own requests (Subscription, UsageAggregate, the queued-runs query).
  let admissionTables: { subscription: string; usage: string; run: string } | undefined;
  let admission = 0;
  const observeAws = (service: string, command: string, functionName: string, input?: unknown) => {
    // The meter works after a run's end too (its batching window): counted apart, reset by hand.
    if (functionName === 'usage-meter') {
      if (service === 'ddb') meterDdb++;
      return;
    }
    if (!counting) return;
    const key = `${service}:${command}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    // By function too (kept under its own prefix): which function a shape's requests came from.
    if (service === 'ddb') counts.set(`fn:${functionName}`, (counts.get(`fn:${functionName}`) ?? 0) + 1);
    const i = (input ?? {}) as { TableName?: string; IndexName?: string };
    if (service === 'ddb' && admissionTables !== undefined) {
      const t = admissionTables;
      if (i.TableName === t.subscription || i.TableName === t.usage || (i.TableName === t.run && i.IndexName === 'by-status')) admission++;
    }
  };
  const sum = (prefix: string) => [...counts.entries()].filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);

  return withBenchPlatform(
    async (platform) => {
      const tenant = await benchTenant(platform, 'free');
      const { api: client, orgId } = tenant;
      const { Subscription, UsageAggregate, Run } = platform.resources.tables;
      admissionTables = { subscription: Subscription, usage: UsageAggregate, run: Run };
      // Reads for polling go through a runtime without the observer: they are not counted.
      const { runs, taskRuns } = createRunStores(createRuntime('http-execution', platform.envFor('http-execution'), { logSink: () => undefined }));
      const sfn = localStepFunctionsOf(platform.emulator);
      const register = (name: string, spec: FlowSpec) => registerBenchFlow(tenant, name, spec);

      async function runToEnd(name: string, executor: Executor = 'step-functions'): Promise<{ run: RunRecord; wallMs: number; transitions: number; startDdb: number; admissionDdb: number }> {
        counts.clear();
        admission = 0;
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
        return { run, wallMs, transitions: info?.transitions ?? NaN, startDdb, admissionDdb: admission };
      }

      const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
      /** The requests counted since the last run started, by service, per task run. */
      const perTaskByService = (taskRuns: number) => {
        const byService: Record<string, number> = {};
        for (const [k, v] of counts) if (!k.startsWith('fn:')) byService[k.split(':')[0]!] = (byService[k.split(':')[0]!] ?? 0) + v;
        return Object.fromEntries(Object.entries(byService).sort().map(([k, v]) => [k, round(v / taskRuns)]));
      };

      // 0. The storage floor, measured before any run (the platform is idle).
      const floor = await measureWriteFloor(platform.dynamodb);

      await register('chain20', chain(20));
      await register('chain100', chain(100));
      await register('fanout200', fanOut(200));
      const uneven = unevenDag(1500, 150);
      await register('uneven', uneven);
      const critical = criticalPathMs(uneven);

      // The same shapes through each executor, one after another.
      const measure = async (executor: Executor) => {
        // 1. DynamoDB requests and state transitions per task (20-task chain).
        await platform.bus.drain();
        meterDdb = 0;
        const c20 = await runToEnd('chain20', executor);
        const ddbExecution = sum('ddb:');
        // The meter's last batch may still wait for its window: metered now, counted with this run.
        await platform.bus.drain();
        const ddbUsageMeter = meterDdb;
        const ddbByCommand = Object.fromEntries([...counts.entries()].filter(([k]) => k.startsWith('ddb:')).sort());
        // Every AWS request (any service) per task run: the platform's CPU goes mostly to them.
        const awsPerTask = perTaskByService(20);
        // 2. Wall time: 100-task chain, 200-task fan-out (and the fan-out's requests: a wide DAG
        // can share requests a chain cannot).
        // Each timed run starts on an idle platform: the previous run's events (the usage meter's,
        // the alert dispatcher's work) are consumed first, not during it.
        await platform.bus.drain();
        const c100 = await runToEnd('chain100', executor);
        await platform.bus.drain();
        const fanoutFrom = Date.now();
        const f200 = await runToEnd('fanout200', executor);
        if (TIMELINE) process.stderr.write(`fanout200 ${executor} wall clock ${fanoutFrom} → ${Date.now()}\n`);
        if (TIMELINE) await printTimeline(`${executor} fanout200`, f200.run, taskRuns);
        const awsPerTaskFanout = perTaskByService(201);
        const ddbFanoutByCommand = Object.fromEntries([...counts.entries()].filter(([k]) => k.startsWith('ddb:')).sort());
        const ddbFanoutByFunction = Object.fromEntries([...counts.entries()].filter(([k]) => k.startsWith('fn:')).map(([k, v]) => [k.slice(3), v]).sort());
        // 3. Makespan ÷ critical path, uneven durations.
        await platform.bus.drain();
        const u = await runToEnd('uneven', executor);
        if (TIMELINE) await printTimeline(`${executor} uneven`, u.run, taskRuns);
        const makespan = Date.parse(u.run.completed_at!) - Date.parse(u.run.started_at!);
        return { c20, ddbExecution, ddbUsageMeter, ddbByCommand, awsPerTask, awsPerTaskFanout, ddbFanoutByCommand, ddbFanoutByFunction, c100, f200, u, makespan };
      };
      const measured = new Map<Executor, Awaited<ReturnType<typeof measure>>>();
      for (const executor of EXECUTORS) measured.set(executor, await measure(executor));
      const floors = shapeFloors(floor);

      const executors = Object.fromEntries(
        EXECUTORS.map((executor) => {
          const m = measured.get(executor)!;
          return [
            executor,
            {
              chain100_wall_ms: Math.round(m.c100.wallMs),
              fanout200_wall_ms: Math.round(m.f200.wallMs),
              chain100_over_floor: round(m.c100.wallMs / floors.chain100_floor_ms, 1),
              fanout200_over_floor: round(m.f200.wallMs / floors.fanout200_floor_ms, 1),
              makespan_over_critical_path: round(m.makespan / critical, 3),
              uneven_dag_makespan_ms: m.makespan,
              ddb_requests_per_task_run: round(m.ddbExecution / 20),
              ddb_requests_chain20_by_command: m.ddbByCommand,
              // The usage meter's, for the chain's 20 attempts and its start and end (22 usage events).
              ddb_requests_usage_meter_chain20: m.ddbUsageMeter,
              aws_requests_per_task_run_by_service: m.awsPerTask,
              aws_requests_per_task_run_fanout200_by_service: m.awsPerTaskFanout,
              ddb_requests_fanout200_by_command: m.ddbFanoutByCommand,
              ddb_requests_fanout200_by_function: m.ddbFanoutByFunction,
              ...(executor === 'step-functions'
                ? {
                    state_transitions_per_task: round(m.c20.transitions / 20),
                    chain100_state_transitions: m.c100.transitions,
                    fanout200_state_transitions: m.f200.transitions,
                  }
                : {}),
            },
          ];
        }),
      );

      // 4. Lambda bundles: minified size and cold import time per function entry.
      const bundles = WITH_BUNDLES ? measureBundles((name) => platform.envFor(name)) : {};
      const floorFigures = { ...floor, min_sequential_writes_per_task: MIN_SEQUENTIAL_WRITES_PER_TASK, ...floors };
      const bundleFigures = WITH_BUNDLES ? { bundles, bundle_max_minified_bytes: Math.max(...Object.values(bundles).map((b) => b.minified_bytes)) } : {};

      const sf = measured.get('step-functions');
      if (sf === undefined) return { executors, floor: floorFigures, ...bundleFigures };
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
      // Each executor priced on its own runs of the shapes (short task timeouts: the whole-DAG
      // executors accept them).
      const costOf = (m: Awaited<ReturnType<typeof measure>> | undefined) =>
        m === undefined
          ? undefined
          : perThousand([
              { run: m.c20.run, tasks: 20 },
              { run: m.c100.run, tasks: 100 },
              { run: m.f200.run, tasks: 201 },
              { run: m.u.run, tasks: uneven.tasks.length },
            ]);
      const sfnCost = costOf(sf)!;
      const lambdaCost = costOf(measured.get('lambda'));
      const ecsCost = costOf(measured.get('ecs'));

      return {
        executor: 'step-functions',
        ddb_requests_per_task_run: round(sf.ddbExecution / 20),
        ddb_requests_per_task_run_goal: 4,
        ddb_requests_chain20_execution: sf.ddbExecution,
        ddb_requests_chain20_by_command: sf.ddbByCommand,
        ddb_requests_start_request: sf.c20.startDdb,
        ddb_requests_usage_meter_chain20: sf.ddbUsageMeter,
        // Start (subscription read, quota ADD, slot lease) and end (release, queued-runs query) of
        // a run; the org's first run also creates its lease map (c20 here).
        admission_ddb_requests_per_run: sf.c100.admissionDdb,
        admission_ddb_requests_first_run_of_org: sf.c20.admissionDdb,
        state_transitions_per_task: round(sf.c20.transitions / 20),
        state_transitions_per_task_goal: 4,
        state_transitions_chain20: sf.c20.transitions,
        chain100_wall_ms: Math.round(sf.c100.wallMs),
        chain100_state_transitions: sf.c100.transitions,
        fanout200_wall_ms: Math.round(sf.f200.wallMs),
        fanout200_state_transitions: sf.f200.transitions,
        uneven_dag_makespan_ms: sf.makespan,
        uneven_dag_critical_path_ms: critical,
        uneven_dag_level_by_level_bound_ms: levelByLevelBound,
        makespan_over_critical_path: round(sf.makespan / critical, 3),
        makespan_over_critical_path_goal: 1.2,
        executors,
        floor: floorFigures,
        ...bundleFigures,
        modelled_cost_usd_per_1000_task_runs: { 'step-functions': sfnCost.usd, lambda: lambdaCost?.usd ?? null, ecs: ecsCost?.usd ?? null },
        modelled_cost_usd_per_1000_task_runs_goal_step_functions: 0.05,
        modelled_cost_usd_per_1000_task_runs_by_component: { 'step-functions': sfnCost.by_component, lambda: lambdaCost?.by_component ?? null, ecs: ecsCost?.by_component ?? null },
        modelled_cost_task_runs_priced: { 'step-functions': sfnCost.task_runs, lambda: lambdaCost?.task_runs ?? null, ecs: ecsCost?.task_runs ?? null },
      };
    },
    { observeAws },
  );
}

/**
 * BENCH_TIMELINE=1 prints (to stderr) where a run's time went: for the fan-out, when its task runs
 * started and were recorded ended, relative to the run's start (quantiles 0, 10, 25, 50, 75, 90,
 * 100 %, and counts per 100 ms); for the uneven DAG, each task's start and recorded end. (An ecs run's task runs are
 * recorded ended when the container's report is replayed, not when the attempt ended.)
 */
async function printTimeline(label: string, run: RunRecord, taskRuns: TaskRunRepository): Promise<void> {
  const t0 = Date.parse(run.started_at!);
  const list = await taskRuns.listForRun(run.org_id, run.run_id, { consistent: true });
  const at = (v: string | null) => (v === null ? NaN : Date.parse(v) - t0);
  const sorted = (xs: number[]) => xs.filter(Number.isFinite).sort((a, b) => a - b);
  const quantiles = (xs: number[]) => [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]).join(' ');
  const lines = [`timeline ${label}: created ${Date.parse(run.created_at) - t0}, ended ${Date.parse(run.completed_at!) - t0} ms after the run started`];
  if (list.length <= 20) {
    for (const t of [...list].sort((a, b) => at(a.started_at) - at(b.started_at))) lines.push(`  ${t.task_name} ${at(t.started_at)} → ${at(t.completed_at)}`);
  } else {
    lines.push(`  starts ${quantiles(sorted(list.map((t) => at(t.started_at))))}`);
    lines.push(`  ends   ${quantiles(sorted(list.map((t) => at(t.completed_at))))}`);
    lines.push(`  took   ${quantiles(sorted(list.map((t) => at(t.completed_at) - at(t.started_at))))}`);
    // How many started and ended in each tenth of a second: the loop's refills show as waves.
    const perTenth = (xs: number[]) => {
      const counts: number[] = [];
      for (const x of xs) if (Number.isFinite(x)) counts[Math.floor(x / 100)] = (counts[Math.floor(x / 100)] ?? 0) + 1;
      return Array.from(counts, (n) => n ?? 0).join(' ');
    };
    lines.push(`  starts per 100 ms ${perTenth(list.map((t) => at(t.started_at)))}`);
    lines.push(`  ends per 100 ms   ${perTenth(list.map((t) => at(t.completed_at)))}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
