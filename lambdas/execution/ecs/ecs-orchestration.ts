import { createHash } from 'node:crypto';
import { forEachBounded } from '../../shared/bounded';
import type { NormalizedTaskSpec } from '../../engine';
import { graphOf, taskParameters } from '../../engine';
import type { FlowVersionForRun } from '../orchestrator/flow-cache';
import type { OrchestratorServices } from '../orchestrator/orchestrator-services';
import type { RunRecord } from '../run-repository';
import { startedFrom, type SucceedOptions, type TaskRunRecord, type TaskRunTransition } from '../task-run-repository';
import type { RunDagOutcome, RunTaskEvent } from '../task-runner/runner-events';
import { logSection } from '../task-runner/run-object-store';
import { SecretMasker } from '../task-runner/secret-mask';
import { recordAttempt } from '../task-runner/attempt';
import { terminalPrice } from '../run-cost';
import { checkOutcome, type AttemptOutcome } from '../task-runner/task-executor';
import { ECS_ORDERS_PREFIX } from '../../catalogue/environment';
import { wakeRunLoop } from '../orchestrator/loop-protocol';
import { dagSlot, parseEcsResult, taskSlot, type EcsDagOrder, type EcsResult, type EcsTaskOrder, type EcsTaskResult, type EcsTaskWork } from './ecs-order';

/*
 * The trusted side of ECS runs: prepares each container's work order (with only the declared
 * secrets of its tasks) and records what a container reports, after checking and masking it,
 * through the same task-run transitions as every other executor.
 */

async function workOf(o: OrchestratorServices, run: RunRecord, task: NormalizedTaskSpec): Promise<EcsTaskWork> {
  return { parameters: taskParameters(run.parameters, task), secrets: await o.secrets.resolve(run.org_id, run.run_id, task.secrets) };
}

async function artifactOf(o: OrchestratorServices, flow: FlowVersionForRun): Promise<{ code_hash: string; url: string } | null> {
  if (flow.artifact.artifact_s3_uri === null) return null;
  return { code_hash: flow.artifact.code_hash, url: await o.artifactLinks.url(flow.artifact) };
}

/** The whole run's order (executor `ecs`); returns the container's environment overrides. */
export async function prepareDagOrder(o: OrchestratorServices, run: RunRecord, flow: FlowVersionForRun): Promise<Record<string, string>> {
  const { spec } = flow;
  const taskRuns = await o.taskRuns.listForRun(run.org_id, run.run_id, { consistent: true });
  const graph = graphOf(spec);
  const succeeded: EcsDagOrder['succeeded'] = {};
  for (const t of taskRuns) {
    if (t.status !== 'SUCCEEDED') continue;
    const needed = graph.downstreams.get(t.task_name)?.some((down) => taskRuns.find((x) => x.task_name === down)?.status !== 'SUCCEEDED') ?? false;
    succeeded[t.task_name] = { attempt: t.attempt, output: needed ? await o.objects.outputOf(run.org_id, t) : null };
  }
  const work: Record<string, EcsTaskWork> = {};
  for (const task of spec.tasks) if (succeeded[task.name] === undefined) work[task.name] = await workOf(o, run, task);
  const order: EcsDagOrder = { mode: 'dag', org_id: run.org_id, run_id: run.run_id, artifact: await artifactOf(o, flow), spec, work, succeeded };
  return o.ecsExchange.prepare(order, dagSlot());
}

/** One attempt's order (task executor `ecs` of a step-functions run). */
export async function prepareTaskOrder(o: OrchestratorServices, run: RunRecord, event: RunTaskEvent): Promise<Record<string, string>> {
  const flow = await o.flows.get(run.org_id, run.flow_name, run.flow_version);
  const inputs: Record<string, unknown> = {};
  for (const [upstream, ref] of Object.entries(event.inputs)) {
    const inline = event.inline_inputs?.[upstream];
    inputs[upstream] = inline !== undefined ? (JSON.parse(inline) as unknown) : await o.objects.outputByRef(run.org_id, ref, o.taskRuns);
  }
  const order: EcsTaskOrder = {
    mode: 'task',
    org_id: run.org_id,
    run_id: run.run_id,
    artifact: await artifactOf(o, flow),
    task: event.task,
    attempt: event.attempt,
    work: await workOf(o, run, event.task),
    inputs,
    loop: { token: event.loop.token, iteration: event.loop.iteration, heartbeat_seconds: event.loop.heartbeat_seconds },
  };
  return o.ecsExchange.prepare(order, taskSlot(event.task.name, event.attempt));
}

/** A reported attempt as the trusted side records it: checked and masked. */
async function checkedOutcome(
  o: OrchestratorServices,
  run: RunRecord,
  task: NormalizedTaskSpec,
  reported: EcsTaskResult['attempts'][number],
  maskers: Map<string, SecretMasker> = new Map(),
): Promise<AttemptOutcome> {
  // One secrets read per task per report, however many attempts the report replays.
  let masker = maskers.get(task.name);
  if (masker === undefined) {
    masker = new SecretMasker(await o.secrets.resolve(run.org_id, run.run_id, task.secrets));
    maskers.set(task.name, masker);
  }
  const raw = reported.outcome ?? { ok: false as const, error: 'the ECS runner stopped before the attempt ended' };
  return checkOutcome(raw.ok ? { ok: true, output: raw.output, log: reported.log } : { ok: false, error: raw.error, log: reported.log }, masker);
}

/**
 * The step-functions loop's look at its RUNNING ecs attempts: each one whose container stored a
 * result is recorded (retry, success or failure, like a Lambda attempt). Returns the transitions.
 */
export async function collectTaskResults(o: OrchestratorServices, run: RunRecord, tasks: ReadonlyMap<string, NormalizedTaskSpec>, running: TaskRunRecord[]): Promise<TaskRunTransition[]> {
  const transitions: TaskRunTransition[] = [];
  for (const taskRun of running) {
    const task = tasks.get(taskRun.task_name);
    if (task === undefined || task.executor !== 'ecs' || taskRun.status !== 'RUNNING') continue;
    const slot = taskSlot(task.name, taskRun.attempt);
    const raw = await o.ecsExchange.readResult(run.org_id, run.run_id, slot);
    if (raw === null) continue;
    const reported = parseEcsResult(raw, [task.name]).tasks[task.name]?.attempts.find((a) => a.attempt === taskRun.attempt);
    const outcome: AttemptOutcome =
      reported === undefined ? { ok: false, error: 'the ECS runner stored a result that is not one', log: '' } : await checkedOutcome(o, run, task, reported);
    const startedAt = reported?.started_at ?? taskRun.started_at ?? new Date(o.clock.nowMs()).toISOString();
    transitions.push(await recordAttempt(o, run, task, taskRun.attempt, outcome, startedAt, terminalPrice(o.ledger, run.executor, taskRun)));
    await o.ecsExchange.discard(run.org_id, run.run_id, slot).catch(() => undefined);
  }
  return transitions;
}

/**
 * Each task's last report this container recorded in full (org#run#task → the report's JSON). A
 * container of a whole-DAG run stores a snapshot of every task each time one changes, and each
 * snapshot is replayed here (S3 Object Created, then CollectEcs): without this, every snapshot
 * would send again every task's transitions, conditional writes that all lose. Only an
 * optimization: another container (or a restart) replays them, and they lose there too.
 */
const REPORT_CACHE_SIZE = 20_000;
/** Tasks of one snapshot replayed at once. */
const REPLAY_CONCURRENCY = 16;
/** First starts, or successes, in one report from which they are sent together (one read, then one request per 100). */
const BATCHED_WRITES_MIN = 4;

/** Remembers how far this container saw a task run (taskRunPosition), in a bounded cache. */
function noteSeen(seenKey: string, taskRun: TaskRunRecord): void {
  const seen = Math.max(seenPositions.get(seenKey) ?? -1, taskRunPosition(taskRun));
  seenPositions.delete(seenKey);
  seenPositions.set(seenKey, seen);
  if (seenPositions.size > REPORT_CACHE_SIZE) seenPositions.delete(seenPositions.keys().next().value as string);
}
const appliedReports = new Map<string, string>();
/**
 * Likewise, how far each task run had got when this container last saw it (taskRunPosition). A
 * task run only ever moves forward along that order, whoever writes it, so a replayed transition
 * whose from-position lies behind what was seen would lose: it is not sent. (A snapshot that ends
 * an attempt repeats that attempt's start, which the previous snapshot already recorded.)
 */
const seenPositions = new Map<string, number>();

function rememberReport(key: string, fingerprint: string): void {
  appliedReports.delete(key);
  appliedReports.set(key, fingerprint);
  if (appliedReports.size > REPORT_CACHE_SIZE) {
    const oldest = appliedReports.keys().next().value as string;
    appliedReports.delete(oldest);
    seenPositions.delete(oldest);
  }
}

/**
 * A task run's place in its only possible order of states: PENDING at attempt 0 (0), RUNNING at
 * attempt 1 (1), PENDING for a retry at attempt 1 (2), RUNNING at attempt 2 (3), ..., then a
 * terminal status (after all). Every transition any writer makes moves it forward.
 */
export function taskRunPosition(t: Pick<TaskRunRecord, 'status' | 'attempt'>): number {
  if (t.status === 'RUNNING') return 2 * t.attempt - 1;
  if (t.status === 'PENDING') return 2 * t.attempt;
  return Number.POSITIVE_INFINITY;
}

/** Replays under way in this container, by run and report (applyDagResultOnce): their writes. */
const replaysInFlight = new Map<string, Promise<unknown>>();

/**
 * applyDagResult, shared by callers that bring the same report at the same time: a container's
 * final report is brought both by its S3 event and by CollectEcs as the container stops. Each
 * replay alone would be right (every write is conditional), but two at once race write for write
 * and double the run's tail. The caller that started the replay publishes its transitions' events
 * before it returns; one that joined it returns once the writes are done (CollectEcs, then
 * Finalize, need the records, not the events).
 */
async function applyDagResultOnce(o: OrchestratorServices, run: RunRecord, flow: FlowVersionForRun, result: EcsResult): Promise<void> {
  const key = `${run.org_id}#${run.run_id}#${createHash('sha256').update(JSON.stringify(result)).digest('base64')}`;
  const underWay = replaysInFlight.get(key);
  if (underWay !== undefined) {
    await underWay;
    return;
  }
  const writes = applyDagResult(o, run, flow, result);
  const shared = writes.finally(() => replaysInFlight.delete(key));
  // A failure is this caller's to throw (below) and each joiner's (through `shared`), never unhandled.
  shared.catch(() => undefined);
  replaysInFlight.set(key, shared);
  const won = await writes;
  if (won.length > 0) await o.events.taskRunStatusChanged(run, won);
}

/**
 * When a reported attempt started, as its task run records it: the container's clock, kept within
 * the run's life so far (no report dates an attempt before its run started, or after now), so the
 * task seconds metered and priced from it are the attempt's, not the replay's moment.
 */
function reportedStart(o: OrchestratorServices, run: RunRecord, reported: string): string {
  const earliest = Date.parse(run.started_at ?? run.created_at);
  const latest = o.clock.nowMs();
  const at = Date.parse(reported);
  return new Date(Math.min(latest, Math.max(earliest, Number.isNaN(at) ? latest : at))).toISOString();
}

/**
 * The first starts a report holds, sent together when there are several: a container's final
 * report of a short run holds every task, and one start per task was half of the run's tail. A
 * strongly consistent read of those task runs (BatchGetItem, only theirs: a snapshot of a large run
 * names few new ones) gives each start its guard (PENDING at attempt 0), then
 * TaskRunRepository.startManyDetailed sends them, one request per 100. A task whose only attempt
 * the report holds already succeeded is started and ended in the same write (with its output, log
 * and price), and its replay is over. Returns the task runs left started (RUNNING) by name, and
 * the names of the tasks it ended; a task this container already saw started, or one not PENDING
 * at 0, is left to its own replay.
 */
async function startFirstAttempts(
  o: OrchestratorServices,
  run: RunRecord,
  graph: ReturnType<typeof graphOf>,
  result: EcsResult,
  maskers: Map<string, SecretMasker>,
  keep: (t: TaskRunTransition) => void,
): Promise<{ started: Map<string, TaskRunRecord>; ended: Set<string> }> {
  const { org_id: orgId, run_id: runId } = run;
  const key = (name: string) => `${orgId}#${runId}#${name}`;
  const candidates = Object.entries(result.tasks)
    .filter(([name, entry]) => entry.attempts[0]?.attempt === 1 && (seenPositions.get(key(name)) ?? -1) < 0 && appliedReports.get(key(name)) !== JSON.stringify(entry))
    .map(([name]) => name);
  const started = new Map<string, TaskRunRecord>();
  const ended = new Set<string>();
  if (candidates.length < BATCHED_WRITES_MIN) return { started, ended };
  const current = new Map((await o.taskRuns.getMany(orgId, runId, candidates, { consistent: true })).map((t) => [t.task_name, t]));
  const pending = candidates.map((name) => current.get(name)).filter((t): t is TaskRunRecord => t !== undefined && t.status === 'PENDING' && t.attempt === 0);
  const starts = new Array<{ before: TaskRunRecord; executor: string; started_at: string; succeeded?: Omit<SucceedOptions, 'attempt'> }>(pending.length);
  await forEachBounded([...pending.entries()], REPLAY_CONCURRENCY, async ([i, before]) => {
    const entry = result.tasks[before.task_name]!;
    const whole = entry.status === 'SUCCEEDED' && entry.attempts.length === 1 && entry.attempts[0]!.outcome?.ok === true;
    const checked = whole ? await checkedAttempts(o, run, graph.specs.get(before.task_name)!, entry, maskers) : null;
    const outcome = checked?.outcomes[0];
    // Its checks (size, JSON) can still fail the success: then it is only started here.
    const started_at = reportedStart(o, run, entry.attempts[0]!.started_at);
    if (checked === null || outcome === null || outcome === undefined || !outcome.ok) {
      starts[i] = { before, executor: 'ecs', started_at };
      return;
    }
    const [output, logged] = await Promise.all([o.objects.storeOutput(orgId, runId, before.task_name, outcome.json), o.objects.storeLog(orgId, runId, before.task_name, checked.log)]);
    starts[i] = { before, executor: 'ecs', started_at, succeeded: { ...output, ...logged, ...terminalPrice(o.ledger, run.executor, before) } };
  });
  const transitions = await o.taskRuns.startManyDetailed(orgId, runId, starts);
  transitions.forEach((transition, i) => {
    const name = pending[i]!.task_name;
    if (transition.won && transition.taskRun.status === 'SUCCEEDED') {
      // Both transitions happened: both are told (the RUNNING one as it was in between).
      const { taskRun } = transition;
      keep({ won: true, taskRun: startedFrom(pending[i]!, 'ecs', taskRun.started_at!) });
      keep(transition);
      noteSeen(key(name), taskRun);
      ended.add(name);
      rememberReport(key(name), JSON.stringify(result.tasks[name]));
      return;
    }
    keep(transition);
    const now = transition.won ? transition.taskRun : transition.current;
    if (now === null) return;
    noteSeen(key(name), now);
    if (now.status === 'RUNNING') started.set(name, now);
  });
  return { started, ended };
}

/**
 * The reported successes that end a task whose last attempt this container already saw started
 * (started by this replay's batched starts, or by an earlier snapshot's replay), sent together
 * when there are several: a fan-out's snapshot ends up to a few hundred task runs, one write each
 * before. The task runs an earlier snapshot started are read back first (BatchGetItem, only
 * theirs), so each success is guarded and priced from the record it ends. Returns the names of the
 * tasks it recorded (their logs with them); any other is left to its own replay.
 */
async function endSuccessesTogether(
  o: OrchestratorServices,
  run: RunRecord,
  graph: ReturnType<typeof graphOf>,
  result: EcsResult,
  startedTogether: ReadonlyMap<string, TaskRunRecord>,
  maskers: Map<string, SecretMasker>,
  keep: (t: TaskRunTransition) => void,
): Promise<Set<string>> {
  const { org_id: orgId, run_id: runId } = run;
  const key = (name: string) => `${orgId}#${runId}#${name}`;
  const ended = new Set<string>();
  const candidates = Object.entries(result.tasks).filter(([name, entry]) => {
    const last = entry.attempts.at(-1);
    return (
      entry.status === 'SUCCEEDED' &&
      last?.outcome?.ok === true &&
      seenPositions.get(key(name)) === 2 * last.attempt - 1 &&
      appliedReports.get(key(name)) !== JSON.stringify(entry)
    );
  });
  if (candidates.length < BATCHED_WRITES_MIN) return ended;
  const unread = candidates.map(([name]) => name).filter((name) => !startedTogether.has(name));
  const read = new Map((unread.length > 0 ? await o.taskRuns.getMany(orgId, runId, unread, { consistent: true }) : []).map((t) => [t.task_name, t]));
  const successes: Array<{ name: string; entry: EcsTaskResult; before: TaskRunRecord; outcome: Extract<AttemptOutcome, { ok: true }>; log: string }> = [];
  for (const [name, entry] of candidates) {
    const before = startedTogether.get(name) ?? read.get(name);
    const attempt = entry.attempts.at(-1)!.attempt;
    if (before === undefined || before.status !== 'RUNNING' || before.attempt !== attempt) continue;
    const { outcomes, log } = await checkedAttempts(o, run, graph.specs.get(name)!, entry, maskers);
    const outcome = outcomes.at(-1);
    // Its checks (size, JSON) can still fail the success: that task is replayed on its own.
    if (outcome === undefined || outcome === null || !outcome.ok) continue;
    successes.push({ name, entry, before, outcome, log });
  }
  if (successes.length < BATCHED_WRITES_MIN) return ended;
  const results: Array<{ before: TaskRunRecord; result: Omit<SucceedOptions, 'attempt'> }> = new Array(successes.length);
  await forEachBounded([...successes.entries()], REPLAY_CONCURRENCY, async ([i, { name, before, outcome, log }]) => {
    const [output, logged] = await Promise.all([o.objects.storeOutput(orgId, runId, name, outcome.json), o.objects.storeLog(orgId, runId, name, log)]);
    results[i] = { before, result: { ...output, ...logged, ...terminalPrice(o.ledger, run.executor, before) } };
  });
  const transitions = await o.taskRuns.succeedManyDetailed(orgId, runId, results);
  transitions.forEach((transition, i) => {
    const { name, entry } = successes[i]!;
    keep(transition);
    const now = transition.won ? transition.taskRun : transition.current;
    if (now !== null) noteSeen(key(name), now);
    if (!transition.won) return;
    ended.add(name);
    rememberReport(key(name), JSON.stringify(entry));
  });
  return ended;
}

/**
 * A task's reported attempts checked and masked (null for one still running, the last), and the
 * log they make: a section per attempt, as each replayed transition records it.
 */
async function checkedAttempts(
  o: OrchestratorServices,
  run: RunRecord,
  task: NormalizedTaskSpec,
  entry: EcsTaskResult,
  maskers: Map<string, SecretMasker>,
): Promise<{ outcomes: Array<AttemptOutcome | null>; logs: string[]; log: string }> {
  const outcomes: Array<AttemptOutcome | null> = [];
  const logs: string[] = [];
  let log = '';
  for (const reported of entry.attempts) {
    if (reported.outcome === null) {
      log += logSection(reported.attempt, reported.started_at, '', 'running');
      outcomes.push(null);
      logs.push(log);
      break;
    }
    const outcome = await checkedOutcome(o, run, task, reported, maskers);
    log += logSection(reported.attempt, reported.started_at, outcome.log, outcome.ok ? 'succeeded' : `failed: ${outcome.error}`);
    outcomes.push(outcome);
    logs.push(log);
  }
  return { outcomes, logs, log };
}

/**
 * Replays each task's reported attempts as task-run transitions (start, retry, ..., outcome), each
 * conditional like every writer: applying the same or an older snapshot again changes nothing.
 * Returns the task runs the transitions it won left (their events are the caller's to publish).
 */
async function applyDagResult(o: OrchestratorServices, run: RunRecord, flow: FlowVersionForRun, result: EcsResult): Promise<TaskRunRecord[]> {
  const { org_id: orgId, run_id: runId } = run;
  const graph = graphOf(flow.spec);
  const won: TaskRunRecord[] = [];
  const keep = (t: TaskRunTransition) => {
    if (t.won) won.push(t.taskRun);
  };
  const maskers = new Map<string, SecretMasker>();
  // The task runs the batched first starts below left, by name (what their later writes are priced from).
  const first = await startFirstAttempts(o, run, graph, result, maskers, keep);
  const startedTogether = first.started;
  const endedTogether = new Set([...first.ended, ...(await endSuccessesTogether(o, run, graph, result, startedTogether, maskers, keep))]);
  // Tasks are replayed side by side (each task's own transitions in order): a snapshot of a
  // 100-task chain replayed one task after another was a few hundred sequential round trips.
  await forEachBounded(Object.entries(result.tasks), REPLAY_CONCURRENCY, async ([name, entry]) => {
    if (endedTogether.has(name)) return;
    const task = graph.specs.get(name)!;
    const seenKey = `${orgId}#${runId}#${name}`;
    const fingerprint = JSON.stringify(entry);
    // This container already recorded this very report of the task: its writes would all lose.
    if (appliedReports.get(seenKey) === fingerprint) return;
    const { outcomes, logs } = await checkedAttempts(o, run, task, entry, maskers);
    // The log as far as the attempt replayed (a terminal write holds the whole of it).
    let logText = '';
    // Set when the task's terminal write carried its whole log (held in the item when small, as a
    // Lambda attempt's is): no object to put for it.
    let logRecorded = false;
    // The task run as the last replayed write found or left it: what a terminal write is priced from.
    let latest: TaskRunRecord | null = startedTogether.get(name) ?? null;
    const price = () => terminalPrice(o.ledger, run.executor, latest);
    // Sends a replayed transition whose task run must be at `from` (a position), unless this
    // container already saw the task run past it; remembers where the write found or left it.
    const replay = async (from: number, write: () => Promise<TaskRunTransition>) => {
      if ((seenPositions.get(seenKey) ?? -1) > from) return;
      const transition = await write();
      keep(transition);
      const now = transition.won ? transition.taskRun : transition.current;
      latest = now;
      if (now !== null) noteSeen(seenKey, now);
    };
    for (const [i, reported] of entry.attempts.entries()) {
      const attempt = reported.attempt;
      await replay(2 * (attempt - 1), () => o.taskRuns.startDetailed(orgId, runId, name, { executor: 'ecs', attempt: attempt - 1, started_at: reportedStart(o, run, reported.started_at) }));
      const outcome = outcomes[i];
      if (outcome === null || outcome === undefined) break;
      logText = logs[i]!;
      const last = reported.attempt === entry.attempts.length;
      const running = 2 * attempt - 1;
      // The last attempt ended but the task did not (still RUNNING): the container is waiting out
      // its retry delay. A retry, like an earlier attempt's: only a FAILED task's last failure ends it.
      const retrying = last && !outcome.ok && entry.status === 'RUNNING';
      if (!last || retrying) {
        await replay(running, () => o.taskRuns.scheduleRetryDetailed(orgId, runId, name, { not_before: reported.started_at, error_message: outcome.ok ? 'retried' : outcome.error, attempt }));
      } else if (entry.status === 'SUCCEEDED' && outcome.ok) {
        await replay(running, async () => {
          const [output, log] = await Promise.all([o.objects.storeOutput(orgId, runId, name, outcome.json), o.objects.storeLog(orgId, runId, name, logText)]);
          const transition = await o.taskRuns.succeedDetailed(orgId, runId, name, { ...output, ...log, attempt, ...price() });
          logRecorded = transition.won;
          return transition;
        });
      } else if (entry.status === 'FAILED' || !outcome.ok) {
        await replay(running, async () => {
          const log = await o.objects.storeLog(orgId, runId, name, logText);
          const transition = await o.taskRuns.failDetailed(orgId, runId, name, { error_message: outcome.ok ? 'failed' : outcome.error, ...log, attempt, ...price() });
          logRecorded = transition.won;
          return transition;
        });
      }
    }
    // Its whole log so far (an attempt still running included) when no terminal write held it.
    const whole = logs.at(-1) ?? '';
    if (whole !== '' && !logRecorded) await o.objects.writeLog(orgId, runId, name, whole);
    if (entry.status === 'SKIPPED' && entry.attempts.length === 0) keep(await o.taskRuns.skipDetailed(orgId, runId, name, { reason: entry.reason ?? 'skipped' }));
    rememberReport(seenKey, fingerprint);
  });
  return won;
}

/**
 * After the whole-run container stopped (`CollectEcs`): records its last report. Tasks it left
 * open are settled by Finalize.
 */
export async function collectDagResult(o: OrchestratorServices, orgId: string, runId: string): Promise<RunDagOutcome> {
  const run = await o.runs.get(orgId, runId, { consistent: true });
  if (run === null) throw new Error(`run ${runId} not found`);
  const flow = await o.flows.get(orgId, run.flow_name, run.flow_version);
  const raw = await o.ecsExchange.readResult(orgId, runId, dagSlot());
  if (raw === null) return { status: 'FAILED', error: 'the ECS runner stored no result' };
  const result = parseEcsResult(raw, flow.spec.tasks.map((t) => t.name));
  await applyDagResultOnce(o, run, flow, result);
  await o.ecsExchange.discard(orgId, runId, dagSlot()).catch(() => undefined);
  if (!result.final) return { status: 'FAILED', error: result.error ?? 'the ECS runner stopped before the run ended' };
  return result.error === undefined ? { status: 'SUCCEEDED' } : { status: 'FAILED', error: result.error };
}

/** `ecs-orders/<org>/<run>/<slot>/result.json` → its parts; null for any other key. */
export function parseEcsResultKey(key: string): { orgId: string; runId: string; slot: string } | null {
  const match = new RegExp(`^${ECS_ORDERS_PREFIX}/([^/]+)/([^/]+)/([^/]+)/result\\.json$`).exec(key);
  return match === null ? null : { orgId: match[1]!, runId: match[2]!, slot: match[3]! };
}

/**
 * A container stored progress or a result (S3 Object Created, rule `ecs-result-stored`): record it
 * now, so a run on ECS shows its tasks live and a finished attempt wakes its loop at once. The
 * object is read back from the bucket: the event only says where to look.
 */
export async function syncEcsObject(o: OrchestratorServices, key: string): Promise<void> {
  const parsed = parseEcsResultKey(key);
  if (parsed === null) return;
  const { orgId, runId, slot } = parsed;
  const run = await o.runs.get(orgId, runId, { consistent: true });
  if (run === null || run.status === 'QUEUED') return;
  const flow = await o.flows.get(orgId, run.flow_name, run.flow_version);
  // A cancelled run's container still reports how its attempts ended (their logs); every
  // transition is conditional, so nothing settled by the cancel is reopened.
  if (slot === dagSlot()) {
    if (run.executor !== 'ecs') return;
    const raw = await o.ecsExchange.readResult(orgId, runId, slot);
    if (raw !== null) await applyDagResultOnce(o, run, flow, parseEcsResult(raw, flow.spec.tasks.map((t) => t.name)));
    return;
  }
  if (run.status !== 'RUNNING') return;
  const graph = graphOf(flow.spec);
  const taskRuns = await o.taskRuns.listForRun(orgId, runId, { consistent: true });
  const running = taskRuns.filter((t) => t.status === 'RUNNING' && taskSlot(t.task_name, t.attempt) === slot);
  const transitions = await collectTaskResults(o, run, graph.specs, running);
  const won = transitions.flatMap((t) => (t.won ? [t.taskRun] : []));
  if (won.length > 0) {
    await o.events.taskRunStatusChanged(run, won);
    // Recorded outside the loop's iteration (and the result object discarded): the change set
    // tells the next iteration to read these task runs again (loop-protocol.ts).
    await wakeRunLoop({ sfn: o.sfn, runs: o.runs, logger: o.logger }, { org_id: orgId, run_id: runId, task_names: won.map((t) => t.task_name) });
  }
}
