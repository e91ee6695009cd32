import type { NormalizedTaskSpec, TaskUpdateEvent } from '../../engine';
// From their own files, not the engine's index: a container's start-up evaluates every module it
// imports, and the index brings the flow-spec schema (zod) the container never uses.
import { parseHandler } from '../../engine/handler-ref';
import { CANCELLED_MESSAGE, runDagInProcess } from '../../engine/in-process-runner';
import { CodeExecutor, PresignedArtifactCache } from '../code-executor/execute-code';
import type { LoopSignal } from '../orchestrator/loop-protocol';
import { egressPolicyFromEnv } from '../../shared/egress';
import { runHttpTask } from '../task-runner/http-task';
import { isOk, presignedRequest } from '../../shared/presigned-http';
import type { EcsAttemptRecord, EcsDagOrder, EcsOrder, EcsResult, EcsTaskOrder, EcsTaskResult, EcsTaskWork } from './ecs-order';

/** Most task attempts executing at once inside one container. */
const CONTAINER_MAX_CONCURRENCY = 16;
/** How often the container looks at the run's cancel marker. */
const CANCEL_POLL_MS = 2000;
/** Snapshots of a whole run's progress are written at most this often. */
const SNAPSHOT_EVERY_MS = 1000;

export interface ContainerDeps {
  orderUrl: string;
  resultUrl: string;
  cancelUrl: string;
  /** Redeems the run loop's task token (a step-functions attempt's wake); false when it is stale. */
  redeem: (token: string, signal: LoopSignal) => Promise<boolean>;
  cacheDir: string;
  /** Aborted when the container is told to stop (SIGTERM). */
  signal: AbortSignal;
}

async function getJson(url: string): Promise<unknown> {
  const response = await presignedRequest(url, { method: 'GET', signal: AbortSignal.timeout(60_000) });
  if (!isOk(response)) throw new Error(`cannot read the work order (HTTP ${response.status})`);
  return JSON.parse(response.body.toString('utf8')) as unknown;
}

async function putJson(url: string, value: unknown): Promise<void> {
  const response = await presignedRequest(url, { method: 'PUT', body: JSON.stringify(value), signal: AbortSignal.timeout(120_000) });
  if (!isOk(response)) throw new Error(`cannot store the result (HTTP ${response.status})`);
}

/** Polls the cancel marker; aborts `stop` once it exists. Returns the function that ends the watch. */
function watchCancel(url: string, stop: AbortController): () => void {
  const timer = setInterval(() => {
    presignedRequest(url, { method: 'GET', signal: AbortSignal.timeout(CANCEL_POLL_MS) })
      .then((response) => {
        if (isOk(response)) stop.abort(new Error(CANCELLED_MESSAGE));
      })
      .catch(() => undefined);
  }, CANCEL_POLL_MS);
  return () => clearInterval(timer);
}

type AttemptResult = { ok: true; output: unknown; log: string } | { ok: false; error: string; log: string };

/** Runs one attempt here: code in a sandbox of this container's code executor, http through the guard. */
async function runAttempt(
  executor: CodeExecutor,
  order: EcsOrder,
  task: NormalizedTaskSpec,
  attempt: number,
  work: EcsTaskWork,
  inputs: Record<string, unknown>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const timeoutMessage = `timed out after ${task.timeout_seconds}s`;
  if (task.type === 'http') return runHttpTask(task, { timeoutMs, timeoutMessage, signal, secrets: work.secrets, parameters: work.parameters, egress: egressPolicyFromEnv(process.env) });
  const ref = parseHandler(task.handler);
  if (ref === null) return { ok: false, error: `invalid handler ${JSON.stringify(task.handler)}`, log: '' };
  if (order.artifact === null) return { ok: false, error: 'the flow has no artifact (it has no code tasks)', log: '' };
  return executor.run(
    {
      kind: 'code-attempt',
      artifact: order.artifact,
      module: ref.module,
      export: ref.exportName,
      args: { parameters: work.parameters, inputs, secrets: work.secrets, context: { run_id: order.run_id, task_name: task.name, attempt } },
      timeout_ms: timeoutMs,
      timeout_message: timeoutMessage,
    },
    signal,
  );
}

async function runTaskOrder(d: ContainerDeps, order: EcsTaskOrder, executor: CodeExecutor, signal: AbortSignal): Promise<number> {
  const startedAt = new Date().toISOString();
  const result = await runAttempt(executor, order, order.task, order.attempt, order.work, order.inputs, order.task.timeout_seconds * 1000, signal);
  const record: EcsAttemptRecord = {
    attempt: order.attempt,
    started_at: startedAt,
    log: result.log,
    outcome: result.ok ? { ok: true, output: result.output } : { ok: false, error: result.error },
  };
  // Earlier attempts of this task were recorded by the trusted side: only this one is numbered here.
  const attempts: EcsAttemptRecord[] = Array.from({ length: order.attempt - 1 }, (_, i) => ({ attempt: i + 1, started_at: startedAt, log: '', outcome: null }));
  const entry: EcsTaskResult = { status: result.ok ? 'SUCCEEDED' : 'FAILED', attempts: [...attempts, record] };
  await putJson(d.resultUrl, { final: true, tasks: { [order.task.name]: entry } } satisfies EcsResult);
  // Wake the run's loop (the only thing this container's role may do); a stale token is fine:
  // the loop polls for ECS results while any is running.
  await d.redeem(order.loop.token, { next: 'advance', iteration: order.loop.iteration, wait_seconds: order.loop.heartbeat_seconds }).catch(() => false);
  return 0;
}

async function runDagOrder(d: ContainerDeps, order: EcsDagOrder, executor: CodeExecutor, stop: AbortController): Promise<number> {
  const tasks: Record<string, EcsTaskResult> = {};
  for (const t of order.spec.tasks) tasks[t.name] = { status: 'PENDING', attempts: [] };
  for (const name of Object.keys(order.succeeded)) tasks[name] = { status: 'SUCCEEDED', attempts: [] };
  const logs = new Map<string, string>();
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const write = (final: boolean, error?: string) => {
    const snapshot: EcsResult = { final, tasks, ...(error !== undefined ? { error } : {}) };
    const body = JSON.parse(JSON.stringify(snapshot)) as EcsResult;
    writing = writing
      .then(() => putJson(d.resultUrl, body))
      .catch((e: unknown) => void process.stderr.write(`snapshot: ${String(e)}\n`));
    return writing;
  };
  const scheduleSnapshot = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void write(false);
    }, SNAPSHOT_EVERY_MS);
  };
  const lastAttempt = (task: string): EcsAttemptRecord | undefined => tasks[task]!.attempts.at(-1);
  const onTaskUpdate = (update: TaskUpdateEvent): void => {
    const entry = tasks[update.task]!;
    const iso = new Date(update.at).toISOString();
    const log = logs.get(`${update.task}#${update.attempt}`) ?? '';
    switch (update.type) {
      case 'started':
        entry.status = 'RUNNING';
        entry.attempts.push({ attempt: update.attempt, started_at: iso, log: '', outcome: null });
        break;
      case 'retrying':
        Object.assign(lastAttempt(update.task) ?? {}, { log, outcome: { ok: false, error: update.error } });
        break;
      case 'succeeded':
        entry.status = 'SUCCEEDED';
        Object.assign(lastAttempt(update.task) ?? {}, { log, outcome: { ok: true, output: update.output } });
        break;
      case 'failed':
        entry.status = 'FAILED';
        if (update.attempt > 0) Object.assign(lastAttempt(update.task) ?? {}, { log, outcome: { ok: false, error: update.error } });
        else entry.reason = update.error;
        break;
      case 'skipped':
        entry.status = 'SKIPPED';
        entry.reason = update.reason;
        break;
    }
    scheduleSnapshot();
  };
  // The run's first ready code tasks start at once: their sandboxes too (with the artifact's
  // download), not two at a time as they are asked for.
  if (order.artifact !== null) {
    // One pass over the edges (a 2,000-task flow's start must not pay tasks × edges).
    const waiting = new Set(order.spec.edges.filter((e) => order.succeeded[e.from] === undefined).map((e) => e.to));
    const firstReady = order.spec.tasks.filter((t) => t.type === 'code' && order.succeeded[t.name] === undefined && !waiting.has(t.name)).length;
    if (firstReady > 0) void executor.prewarm(order.artifact, Math.min(firstReady, CONTAINER_MAX_CONCURRENCY));
  }
  const initialStates = Object.fromEntries(Object.entries(order.succeeded).map(([name, s]) => [name, { status: 'SUCCEEDED' as const, attempt: s.attempt, output: s.output }]));
  let error: string | undefined;
  try {
    const result = await runDagInProcess(order.spec, {
      maxConcurrency: CONTAINER_MAX_CONCURRENCY,
      initialStates,
      signal: stop.signal,
      onTaskUpdate,
      executeTask: async (task, attempt, inputs, context) => {
        const work = order.work[task];
        if (work === undefined) return { ok: false, error: `no work order for task ${task}` };
        // The engine times the attempt; the sandbox's own limit is a backstop just after it.
        const outcome = await runAttempt(executor, order, context.task, attempt, work, inputs, context.task.timeout_seconds * 1000 + 1000, context.signal);
        logs.set(`${task}#${attempt}`, outcome.log);
        return outcome.ok ? { ok: true, output: outcome.output } : { ok: false, error: outcome.error };
      },
    });
    if (result.status === 'CANCELLED') {
      const reason: unknown = stop.signal.reason;
      const message = reason instanceof Error ? reason.message : CANCELLED_MESSAGE;
      if (message !== CANCELLED_MESSAGE) error = message;
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  clearTimeout(timer);
  await write(true, error);
  return 0;
}

/**
 * Runs the container's work order and stores its result through the presigned PUT. Nothing here
 * holds a credential for Dagy's tables, buckets or keys.
 */
export async function runContainerOrder(d: ContainerDeps): Promise<number> {
  const order = (await getJson(d.orderUrl)) as EcsOrder;
  if (order === null || typeof order !== 'object' || (order.mode !== 'dag' && order.mode !== 'task')) throw new Error('the work order is not one');
  const executor = new CodeExecutor(new PresignedArtifactCache(d.cacheDir));
  const stop = new AbortController();
  const onStop = () => stop.abort(d.signal.reason);
  if (d.signal.aborted) onStop();
  d.signal.addEventListener('abort', onStop, { once: true });
  const endWatch = watchCancel(d.cancelUrl, stop);
  try {
    return order.mode === 'task' ? await runTaskOrder(d, order, executor, stop.signal) : await runDagOrder(d, order, executor, stop);
  } finally {
    endWatch();
    executor.close();
  }
}
