import { errorText } from '../../shared/errors';
import { mapBounded } from '../../shared/bounded';
import type { NormalizedFlowSpec, NormalizedTaskSpec, TaskStatusMap } from '../../engine';
import { advance, graphOf } from '../../engine';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import { startedFrom } from '../task-run-repository';
import { RECORD_RESERVE_MS } from '../task-runner/attempt';
import { failAttempt, launchAttempt, launchAttempts, runnerBatches, runTaskEvent, taskInputs, type LoopToken } from './dispatch';
import type { RunTaskEvent } from '../task-runner/runner-events';
import { finalizeRun } from './finalize';
import { planChain } from './chain-plan';
import { collectTaskResults } from '../ecs/ecs-orchestration';
import type { LoopOptions, LoopSignal } from './loop-protocol';
import { MAX_RUNNING_TASKS, loopOptions, redeemToken } from './loop-protocol';
import type { OrchestratorServices } from './orchestrator-services';
import { terminalPrice } from '../run-cost';
import { isoNow } from '../../shared/clock';

export interface AdvanceRequest {
  action: 'advance';
  org_id: string;
  run_id: string;
  /** This Advance state's task token. */
  token: string;
  /** The signal that ended the previous iteration (`$.Payload`). */
  loop: LoopSignal;
  options: LoopOptions;
}

/** A Lambda-run attempt ends by the 15-minute cap; after it (and some slack) its result is lost. */
const LAMBDA_MAX_SECONDS = 900;
const LOST_GRACE_SECONDS = { lambda: 60, ecs: 600 } as const;
/** Longest wait for a completion while ECS attempts run (their results are also polled). */
export const ECS_RESULT_POLL_SECONDS = 5;
/** Dispatches in flight at once within one advance. */
const DISPATCH_PARALLELISM = 16;

/** When a RUNNING attempt's result can no longer arrive (its runner's time is up), in ms since epoch. */
export function attemptDeadlineMs(task: NormalizedTaskSpec, startedAtIso: string): number {
  const seconds = task.executor === 'lambda' ? Math.min(task.timeout_seconds, LAMBDA_MAX_SECONDS - RECORD_RESERVE_MS / 1000) : task.timeout_seconds;
  return Date.parse(startedAtIso) + (seconds + LOST_GRACE_SECONDS[task.executor]) * 1000 + RECORD_RESERVE_MS;
}

function notBeforeMs(taskRun: TaskRunRecord): number | null {
  return taskRun.status === 'PENDING' && taskRun.not_before !== null ? Date.parse(taskRun.not_before) : null;
}

/**
 * One iteration of the step-functions executor's loop (the `Advance` state). In order:
 * 1. park this state's token on the Run (completions from now on will redeem it) and take the
 *    Run's change set, unless the iteration was woken by the only task still running, which held
 *    the previous token (sole); such an iteration parks before step 4 if it starts several tasks;
 * 2. read the task runs (strongly consistent: every completion recorded before 1 is seen): only
 *    the changed ones when this container holds the previous iteration's view (see LoopView);
 * 3. settle lost attempts, apply engine.advance: mark skips, finalize when done;
 * 4. dispatch the ready tasks whose retry delay is over (up to MAX_RUNNING_TASKS running),
 *    each PENDING → RUNNING then started asynchronously with this token;
 * 5. return (the state waits for a completion), or redeem the token at once to sleep until the
 *    next retry, to shorten the wait, to re-read, to continue as a new execution, or because the
 *    run is done.
 */
export async function advanceRun(o: OrchestratorServices, request: AdvanceRequest): Promise<LoopSignal | null> {
  // One iteration of a run at a time in this container: one woken while the previous is still
  // dispatching (a completion redeemed the token it parked first) waits for it, then starts from
  // its view. Otherwise it reads every task run and starts some of the same ready tasks again,
  // which lose. Lambda runs one invocation per container at a time, so this only ever waits where
  // one process hosts many (the local platform); elsewhere the race stays, and stays harmless.
  const key = `${request.org_id}#${request.run_id}`;
  const previous = iterationsUnderWay.get(key);
  const iteration = (async () => {
    if (previous !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([previous.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, OVERLAP_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return advanceIteration(o, request);
  })();
  iterationsUnderWay.set(key, iteration);
  try {
    return await iteration;
  } finally {
    if (iterationsUnderWay.get(key) === iteration) iterationsUnderWay.delete(key);
  }
}

/** Each run's iteration under way in this container (see advanceRun). */
const iterationsUnderWay = new Map<string, Promise<LoopSignal | null>>();
/** Longest wait for an earlier iteration of the same run (a stuck one must not hold the loop). */
const OVERLAP_WAIT_MS = 2_000;

async function advanceIteration(o: OrchestratorServices, request: AdvanceRequest): Promise<LoopSignal | null> {
  const { org_id, run_id, token } = request;
  const options = loopOptions(request.options);
  const iteration = request.loop.iteration + 1;
  const signal = async (next: LoopSignal): Promise<LoopSignal> => {
    await redeemToken(o.sfn, token, next);
    return next;
  };
  const heartbeat = options.heartbeat_seconds;
  if (iteration > options.max_iterations) return signal({ next: 'continue', iteration, wait_seconds: heartbeat });

  // The view the previous iteration ended with, if it ran in this container (taken: a failed
  // iteration leaves none behind).
  const cached = takeView(org_id, run_id);
  let run: RunRecord;
  let park: { previous_token: string | null; changed: string[] } | null = null;
  if (request.loop.sole === true) {
    // Woken by the only task the last iteration left running, with the token it was given: no
    // running task holds an older token, so nothing needs to find this one on the Run.
    run = await cachedRun(o, org_id, run_id);
  } else {
    const parked = await o.runs.parkLoop(org_id, run_id, token, iteration);
    if (!parked.won) return signal({ next: 'done', iteration, wait_seconds: heartbeat });
    run = parked.run;
    park = parked;
    rememberRun(run);
  }
  const flow = await o.flows.get(org_id, run.flow_name, run.flow_version);
  const spec = flow.spec;
  const graph = graphOf(spec);
  let byName = request.loop.sole === true ? viewAfterSoleCompletion(org_id, run_id, cached, request.loop) : null;
  const soleView = byName !== null;
  if (byName === null && park !== null) byName = await viewAfterChanges(o, org_id, run_id, cached, request.loop, park);
  if (byName === null || byName.size < graph.tasks.length) {
    let listed = await o.taskRuns.listForRun(org_id, run_id, { consistent: true });
    if (listed.length < graph.tasks.length) {
      // The run starter writes every task run before the execution starts; complete an interrupted set.
      await o.taskRuns.createMissing(org_id, run_id, graph.tasks.map((task_name) => ({ task_name })));
      listed = await o.taskRuns.listForRun(org_id, run_id, { consistent: true });
    }
    byName = new Map(listed.map((t) => [t.task_name, t]));
  }
  const won: TaskRunRecord[] = [];
  const apply = (transition: TaskRunTransition) => {
    if (transition.won) {
      won.push(transition.taskRun);
      byName.set(transition.taskRun.task_name, transition.taskRun);
    } else if (transition.current !== null) {
      byName.set(transition.current.task_name, transition.current);
    }
    return transition.won;
  };
  const publish = async () => {
    if (won.length > 0) await o.events.taskRunStatusChanged(run, won.splice(0));
  };
  const now = o.clock.nowMs();

  // ECS containers hold no credential: their results wait in the bucket until the loop reads them.
  const runningEcs = [...byName.values()].filter((t) => t.status === 'RUNNING' && graph.specs.get(t.task_name)?.executor === 'ecs');
  if (runningEcs.length > 0) for (const transition of await collectTaskResults(o, run, graph.specs, runningEcs)) apply(transition);

  // Attempts whose runner's time is up without a result (the Lambda or container died).
  for (const taskRun of [...byName.values()]) {
    if (taskRun.status !== 'RUNNING' || taskRun.started_at === null) continue;
    const task = graph.specs.get(taskRun.task_name);
    if (task === undefined || now <= attemptDeadlineMs(task, taskRun.started_at)) continue;
    apply(await failAttempt(o, run, task, taskRun, `no result from the ${task.executor} runner within the task's timeout (the runner stopped)`));
  }

  const statuses: TaskStatusMap = Object.fromEntries([...byName].map(([name, t]) => [name, { status: t.status }]));
  const step = advance(spec, statuses);
  for (const { task, reason } of step.skip) {
    apply(await o.taskRuns.skipDetailed(org_id, run_id, task, { reason, ...terminalPrice(o.ledger, run.executor, byName.get(task)) }));
  }
  if (step.done) {
    await publish();
    await finalizeRun(o, org_id, run_id, { run, taskRuns: [...byName.values()], iterations: iteration });
    return signal({ next: 'done', iteration, wait_seconds: heartbeat });
  }

  let running = [...byName.values()].filter((t) => t.status === 'RUNNING').length;
  let nextRetryMs: number | null = null;
  for (const taskRun of byName.values()) {
    const due = notBeforeMs(taskRun);
    if (due !== null && due > now) nextRetryMs = nextRetryMs === null ? due : Math.min(nextRetryMs, due);
  }
  const due = step.ready.filter((task) => {
    const nb = byName.has(task) ? notBeforeMs(byName.get(task)!) : null;
    return nb === null || nb <= now;
  });
  const toStart = due.slice(0, Math.max(0, MAX_RUNNING_TASKS - running));
  const loop: LoopToken = { token, iteration, heartbeat_seconds: heartbeat, sole: running + toStart.length === 1 };
  let parkedLate = false;
  if (park === null && running + toStart.length > 1) {
    // Woken by a sole completion, this iteration parked nothing, but it leaves several tasks
    // running: their completions look for the loop's token on the Run (loop-protocol.ts), so it
    // goes there before any of them starts. The change set stays for the next park to take.
    if (!(await o.runs.parkLoopKeepingChanges(org_id, run_id, token, iteration))) return signal({ next: 'done', iteration, wait_seconds: heartbeat });
    parkedLate = true;
  }
  const outcomes = await dispatchAll({ o, run, spec, artifact: flow.artifact, byName, loop, apply }, toStart);
  running += outcomes.filter((r) => r === 'started').length;
  const raced = outcomes.some((r) => r === 'raced' || r === 'launch-failed');
  await publish();

  // The view this iteration ends with: the next one starts from it when it runs here.
  rememberView(org_id, run_id, {
    iteration,
    // A sole iteration parks nothing (unless it starts several tasks): the Run keeps the token its
    // view's iteration found there.
    run_token: park !== null || parkedLate ? token : soleView ? (cached?.run_token ?? null) : null,
    sole: loop.sole === true && outcomes.every((r) => r === 'started'),
    byName,
  });
  if (running > 0) {
    // A container that finds its dispatch token stale cannot look up the newer one (it may read
    // nothing): while ECS attempts run, the loop also looks for their results every few seconds.
    const ecsRunning = [...byName.values()].some((t) => t.status === 'RUNNING' && graph.specs.get(t.task_name)?.executor === 'ecs');
    if (ecsRunning && request.loop.wait_seconds > ECS_RESULT_POLL_SECONDS) return signal({ next: 'advance', iteration, wait_seconds: ECS_RESULT_POLL_SECONDS });
    // A completion will redeem the token; make sure the wait also ends when a retry falls due.
    if (nextRetryMs !== null) {
      const needed = Math.max(1, Math.ceil((nextRetryMs - now) / 1000));
      if (needed + 1 < request.loop.wait_seconds) return signal({ next: 'advance', iteration, wait_seconds: needed });
    }
    return null;
  }
  if (raced) return signal({ next: 'advance', iteration, wait_seconds: heartbeat });
  if (nextRetryMs !== null) {
    return signal({ next: 'sleep', iteration, wait_seconds: heartbeat, sleep_seconds: Math.max(0, Math.ceil((nextRetryMs - o.clock.nowMs()) / 1000)) });
  }
  throw new Error(`run ${run_id} stalled: no task is running, ready or waiting for a retry`);
}

/**
 * The task runs as an iteration left them, kept per container for the next iteration, which
 * starts from it in two cases (any other reads every task run):
 * - sole: that iteration left exactly one task running. Until that task's completion no other
 *   writer changes the run's task runs (no other attempt is running; the cancel route ends the
 *   execution), so the next view is this one plus the completion's record, which the completion
 *   sends with its wake-up (LoopSignal.task_run); the next iteration then does not park. A
 *   completion that ends a chain (task-runner/attempt-chain.ts) is of a task the view holds
 *   PENDING: that iteration reads every task run.
 * - parked: the next iteration, parking, finds the token the view's iteration left on the Run (its
 *   own, or for a sole iteration the one it found there) as the one before its own: no iteration
 *   parked elsewhere since. Every change since that park is in the change set this park took
 *   (loop-protocol.ts): it re-reads those task runs.
 */
interface LoopView {
  iteration: number;
  /** The token on the Run when the view was made (null: unknown). */
  run_token: string | null;
  sole: boolean;
  byName: Map<string, TaskRunRecord>;
}
/** Task runs kept in views at most, over all runs (a 2,000-task run's view is a few megabytes). */
const VIEW_CACHE_TASK_RUNS = 20_000;
const viewCache = new Map<string, LoopView>();
let viewCacheTaskRuns = 0;

function takeViewByKey(key: string): LoopView | undefined {
  const view = viewCache.get(key);
  if (view !== undefined) {
    viewCache.delete(key);
    viewCacheTaskRuns -= view.byName.size;
  }
  return view;
}

function takeView(orgId: string, runId: string): LoopView | undefined {
  return takeViewByKey(`${orgId}#${runId}`);
}

function rememberView(orgId: string, runId: string, view: LoopView): void {
  const key = `${orgId}#${runId}`;
  // An iteration still launching its runners when the next one began (a completion redeemed its
  // token first) ends after it: its view is older than the one kept.
  const kept = viewCache.get(key);
  if (kept !== undefined && kept.iteration > view.iteration) return;
  takeViewByKey(key);
  if (!view.sole && view.run_token === null) return;
  viewCache.set(key, view);
  viewCacheTaskRuns += view.byName.size;
  // Oldest first (a Map keeps insertion order).
  for (const oldest of viewCache.keys()) {
    if (viewCacheTaskRuns <= VIEW_CACHE_TASK_RUNS) break;
    takeViewByKey(oldest);
  }
}

function viewAfterSoleCompletion(orgId: string, runId: string, cached: LoopView | undefined, loop: LoopSignal): Map<string, TaskRunRecord> | null {
  const completed = loop.task_run;
  if (cached === undefined || !cached.sole || loop.sole !== true || completed === undefined || cached.iteration !== loop.iteration) return null;
  if (completed.org_id !== orgId || completed.run_id !== runId) return null;
  // The completion must be of the one attempt the view has running.
  const before = cached.byName.get(completed.task_name);
  if (before === undefined || before.status !== 'RUNNING' || before.attempt !== completed.attempt) return null;
  const running = [...cached.byName.values()].filter((t) => t.status === 'RUNNING');
  if (running.length !== 1) return null;
  const byName = new Map(cached.byName);
  byName.set(completed.task_name, completed);
  return byName;
}

/** The previous parking iteration's view with the task runs changed since re-read (strongly), or null. */
async function viewAfterChanges(
  o: OrchestratorServices,
  orgId: string,
  runId: string,
  cached: LoopView | undefined,
  loop: LoopSignal,
  park: { previous_token: string | null; changed: string[] },
): Promise<Map<string, TaskRunRecord> | null> {
  // Only the view of the iteration just before, with no park since its own (or the one it found),
  // and not when a heartbeat or a wake-up naming no change asks for every task run.
  if (loop.reread === true) return null;
  if (cached === undefined || cached.run_token === null || cached.iteration !== loop.iteration) return null;
  if (park.previous_token !== cached.run_token) return null;
  const changed = new Set(park.changed);
  const byName = new Map(cached.byName);
  if (changed.size > 0) for (const taskRun of await o.taskRuns.getMany(orgId, runId, [...changed], { consistent: true })) byName.set(taskRun.task_name, taskRun);
  return byName;
}

/**
 * A run's fields the loop reads (flow version, parameters, deployment: fixed at creation), kept
 * per container from the last park so that an iteration that does not park reads nothing.
 */
const RUN_CACHE_SIZE = 500;
const runCache = new Map<string, RunRecord>();

function rememberRun(run: RunRecord): void {
  const key = `${run.org_id}#${run.run_id}`;
  runCache.delete(key);
  runCache.set(key, run);
  if (runCache.size > RUN_CACHE_SIZE) runCache.delete(runCache.keys().next().value as string);
}

async function cachedRun(o: OrchestratorServices, orgId: string, runId: string): Promise<RunRecord> {
  const cached = runCache.get(`${orgId}#${runId}`);
  if (cached !== undefined) return cached;
  const run = await o.runs.get(orgId, runId);
  if (run === null) throw new Error(`run ${runId} not found`);
  rememberRun(run);
  return run;
}

type DispatchOutcome = 'started' | 'raced' | 'launch-failed';

/** What an iteration's dispatch works with: the run, its flow, the loop's view and token. */
interface Dispatch {
  o: OrchestratorServices;
  run: RunRecord;
  spec: NormalizedFlowSpec;
  artifact: { artifact_s3_uri: string | null; code_hash: string };
  /** The loop's view of the task runs, kept up to date by `apply`. */
  byName: Map<string, TaskRunRecord>;
  loop: LoopToken;
  apply: (transition: TaskRunTransition) => boolean;
}

/**
 * Starts the ready tasks: every PENDING → RUNNING in one request (per 100, see
 * TaskRunRepository.startManyDetailed), then their runners launched, a few invocations at once:
 * Lambda attempts up to RUNNER_BATCH_MAX per invocation (task-batch.ts), ECS ones one task each.
 *
 * A Lambda attempt dispatched as the only task the iteration leaves running (a chain's step) is
 * not started here: its runner starts it, with its claim in the same write (RunTaskEvent.starts),
 * one write less on every step of the chain. No other writer touches the run's task runs until
 * that attempt's completion (the sole protocol, see LoopView), so nothing else decides on its
 * PENDING record meanwhile; the loop's view holds it as the runner's start will make it. If the
 * invocation is lost, the task is still PENDING at the next heartbeat's full read, which
 * dispatches it again; a duplicate delivery loses the start like a duplicate claim.
 */
async function dispatchAll(d: Dispatch, names: string[]): Promise<DispatchOutcome[]> {
  const { o, run, byName, loop, apply } = d;
  const graph = graphOf(d.spec);
  const known = names.filter((name) => byName.has(name));
  const only = known.length === 1 && loop.sole === true ? known[0]! : undefined;
  if (only !== undefined && graph.specs.get(only)!.executor === 'lambda') {
    const before = byName.get(only)!;
    byName.set(only, startedFrom(before, 'lambda', isoNow(o.clock)));
    return [await launch(d, attemptEvent(d, only), before)];
  }
  const starts = await o.taskRuns.startManyDetailed(
    run.org_id,
    run.run_id,
    known.map((name) => ({ before: byName.get(name)!, executor: graph.specs.get(name)!.executor })),
  );
  const started = known.filter((_, i) => apply(starts[i]!));
  const events = started.map((name) => attemptEvent(d, name));
  const units = [...runnerBatches(events.filter((e) => e.executor === 'lambda')), ...events.filter((e) => e.executor !== 'lambda').map((e) => [e])];
  const launched = await mapBounded(units, DISPATCH_PARALLELISM, async (unit) => (unit.length === 1 ? [await launch(d, unit[0]!)] : launchBatch(d, unit)));
  return [...launched.flat(), ...Array.from({ length: names.length - started.length }, (): DispatchOutcome => 'raced')];
}

/**
 * The event of an attempt the loop started (or leaves its runner to start), with its record in
 * the view, and the chain its runner runs after it when it succeeds (chain-plan.ts).
 */
function attemptEvent(d: Dispatch, name: string): RunTaskEvent & { started: TaskRunRecord } {
  const graph = graphOf(d.spec);
  const started = d.byName.get(name)!;
  const inputs = taskInputs(graph.upstreams.get(name)!, d.byName);
  const task = graph.specs.get(name)!;
  const then = task.executor === 'lambda' ? planChain(d.spec, d.run, d.byName, name) : [];
  return { ...runTaskEvent(d.run, task, started.attempt, d.artifact, inputs.inputs, d.loop, inputs.inline_inputs, then), started };
}

/**
 * Launches the runner of several attempts the loop just started, in one invocation (a run-tasks
 * event). A launch that fails ends each of its attempts as launch() ends one.
 */
async function launchBatch(d: Dispatch, events: Array<RunTaskEvent & { started: TaskRunRecord }>): Promise<DispatchOutcome[]> {
  const { o, run } = d;
  const names = events.map((e) => e.task_name);
  try {
    await launchAttempts(o, run, events);
    return names.map((): DispatchOutcome => 'started');
  } catch (error) {
    const graph = graphOf(d.spec);
    const reason = `could not start the lambda runner: ${errorText(error)}`;
    o.logger.error('dispatch failed', { org_id: run.org_id, run_id: run.run_id, task_names: names, error: reason });
    for (const name of names) d.apply(await failAttempt(o, run, graph.specs.get(name)!, d.byName.get(name)!, reason));
    await markLaunchFailed(o, run, names);
    return names.map((): DispatchOutcome => 'launch-failed');
  }
}

/**
 * A failed launch's attempts in the change set: a completion may have woken the next iteration
 * already, which read them RUNNING; the set tells it (or the one after) to read them again. If this
 * write fails too, the next heartbeat reads every task run (reread).
 */
async function markLaunchFailed(o: OrchestratorServices, run: RunRecord, names: string[]): Promise<void> {
  await o.runs.markTasksChanged(run.org_id, run.run_id, names, { waking: false }).catch((markError: unknown) => {
    o.logger.warn('could not register the failed launch in the change set', { org_id: run.org_id, run_id: run.run_id, task_names: names, error: errorText(markError) });
    return null;
  });
}

/**
 * Launches the runner of an attempt (its event, attemptEvent) the loop just started, or, given
 * `unstarted` (the task run before it), of one its runner starts itself. A launch that fails ends
 * the attempt: one its runner was to start is started here first, so that the failure counts as
 * an attempt (retry policy).
 */
async function launch(d: Dispatch, attempt: RunTaskEvent & { started: TaskRunRecord }, unstarted?: TaskRunRecord): Promise<DispatchOutcome> {
  const { o, run, byName, apply } = d;
  const { started: view, ...event } = attempt;
  const name = event.task_name;
  const task = event.task;
  let started = view;
  try {
    await launchAttempt(o, run, unstarted === undefined ? event : { ...event, starts: true });
    return 'started';
  } catch (error) {
    const reason = `could not start the ${task.executor} runner: ${errorText(error)}`;
    o.logger.error('dispatch failed', { org_id: run.org_id, run_id: run.run_id, task_name: name, error: reason });
    if (unstarted !== undefined) {
      // The invocation may have been delivered all the same: whichever start wins decides.
      const start = await o.taskRuns.startDetailed(run.org_id, run.run_id, name, { executor: task.executor, attempt: unstarted.attempt });
      apply(start);
      if (!start.won) {
        // Its runner started it after all (it runs, and its completion wakes the loop), or another
        // writer moved it (a cancel).
        if (start.current === null) byName.set(name, unstarted);
        return start.current?.status === 'RUNNING' ? 'started' : 'raced';
      }
      started = start.taskRun;
    }
    apply(await failAttempt(o, run, task, started, reason));
    await markLaunchFailed(o, run, [name]);
    return 'launch-failed';
  }
}
