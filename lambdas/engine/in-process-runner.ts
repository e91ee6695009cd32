import { advance } from './advance';
import type { Sleep } from './async-primitives';
import { realSleep, Semaphore, Waker } from './async-primitives';
import type { NormalizedFlowSpec, NormalizedTaskSpec } from './flow-spec';
import type { DagGraph } from './graph';
import { graphOf } from './graph';
import { resolveOutputs } from './output-ref';
import { retryDelaySeconds, shouldRetry } from './retry-policy';
import type { RunDagOptions, RunDagResult, TaskAttemptResult, TaskRunState, TaskUpdateEvent } from './runner-types';
import type { TaskStatus } from './states';

export const CANCELLED_MESSAGE = 'run cancelled';

/**
 * Runs a whole DAG inside this process: dispatches each task as soon as its trigger rule allows
 * (not level by level), retries per the task's policy, times out attempts, skips what can no
 * longer run, honours maxConcurrency, and returns the final states and outputs.
 *
 * On cancellation, every in-flight attempt's signal is aborted without waiting for it; tasks that
 * ever started become FAILED ("run cancelled"), the others SKIPPED, and the status is CANCELLED.
 */
export async function runDagInProcess(spec: NormalizedFlowSpec, options: RunDagOptions): Promise<RunDagResult> {
  return new InProcessRun(spec, options).run();
}

class InProcessRun {
  private readonly graph: DagGraph;
  private readonly sleep: Sleep;
  private readonly timeoutTimer: Sleep;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly slots: Semaphore;
  /** Full state per task, updated as soon as the runner decides. */
  private readonly states = new Map<string, TaskRunState>();
  /** What advance() sees: a task turns terminal here only once its event is delivered, so no
   * downstream starts before its upstream's outcome is recorded. */
  private readonly published = new Map<string, { status: TaskStatus }>();
  /** Per-task chain of event deliveries, keeping each task's events in order. */
  private readonly deliveries = new Map<string, Promise<void>>();
  private readonly everStarted = new Set<string>();
  private readonly waker = new Waker();
  /** Aborted when the run ends early: stops retry waits. */
  private readonly stop = new AbortController();
  /** In-flight attempts, aborted too when the run ends early (one listener per attempt on a
   * shared signal would trip Node's listener-leak warning on wide DAGs). */
  private readonly attempts = new Set<AbortController>();
  private workers = 0;
  private over = false;
  private fatal: { error: unknown } | undefined;

  constructor(
    private readonly spec: NormalizedFlowSpec,
    private readonly options: RunDagOptions,
  ) {
    const limit = options.maxConcurrency ?? Infinity;
    if (!(limit >= 1) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${limit}`);
    }
    this.graph = graphOf(spec);
    this.sleep = options.sleep ?? realSleep;
    this.timeoutTimer = options.timeoutTimer ?? realSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.slots = new Semaphore(limit);
    for (const task of this.graph.tasks) {
      const initial = options.initialStates && Object.hasOwn(options.initialStates, task) ? options.initialStates[task] : undefined;
      const state: TaskRunState =
        initial?.status === 'SUCCEEDED'
          ? { status: 'SUCCEEDED', attempt: initial.attempt ?? 1, output: initial.output }
          : { status: 'PENDING', attempt: 0 };
      this.states.set(task, state);
      this.published.set(task, { status: state.status });
    }
  }

  async run(): Promise<RunDagResult> {
    const onAbort = () => this.waker.notify();
    this.options.signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (this.fatal) throw this.fatal.error;
        if (await this.cancelRequested()) {
          await this.cancel();
          return this.result('CANCELLED');
        }
        const step = advance(this.spec, Object.fromEntries(this.published));
        if (step.skip.length > 0) {
          await Promise.all(step.skip.map(({ task, reason }) => this.skipTask(task, reason)));
          // Other tasks may have finished while the skips were recorded: this step is stale.
          continue;
        }
        if (step.done) return this.result(step.finalStatus!);
        for (const task of step.ready) {
          this.published.set(task, { status: 'RUNNING' });
          void this.runTask(task);
        }
        if (this.workers === 0) throw new Error('in-process runner stalled: no task running and none ready');
        await this.waker.wait();
      }
    } catch (error) {
      this.endEarly();
      await this.settleDeliveries();
      throw error;
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async skipTask(task: string, reason: string): Promise<void> {
    const at = this.now();
    this.states.set(task, { status: 'SKIPPED', attempt: 0, reason, completedAt: at });
    await this.deliver({ type: 'skipped', status: 'SKIPPED', task, attempt: 0, at, reason });
    this.published.set(task, { status: 'SKIPPED' });
  }

  private async cancelRequested(): Promise<boolean> {
    if (this.options.signal?.aborted) return true;
    return (await this.options.isCancelled?.()) === true;
  }

  private endEarly(): void {
    this.over = true;
    const reason = new Error(CANCELLED_MESSAGE);
    this.stop.abort(reason);
    for (const attempt of this.attempts) attempt.abort(reason);
    this.slots.releaseAll();
  }

  private async cancel(): Promise<void> {
    this.endEarly();
    const at = this.now();
    const events: Promise<void>[] = [];
    for (const [task, state] of this.states) {
      if (state.status === 'SUCCEEDED' || state.status === 'FAILED' || state.status === 'SKIPPED') continue;
      if (this.everStarted.has(task)) {
        this.states.set(task, { ...state, status: 'FAILED', error: CANCELLED_MESSAGE, completedAt: at });
        events.push(this.deliver({ type: 'failed', status: 'FAILED', task, attempt: state.attempt, at, error: CANCELLED_MESSAGE }));
      } else {
        this.states.set(task, { status: 'SKIPPED', attempt: 0, reason: CANCELLED_MESSAGE, completedAt: at });
        events.push(this.deliver({ type: 'skipped', status: 'SKIPPED', task, attempt: 0, at, reason: CANCELLED_MESSAGE }));
      }
    }
    await Promise.all(events);
    await this.settleDeliveries();
  }

  /** Delivers an event after the task's earlier ones; a failed delivery makes the run fatal. */
  private deliver(event: TaskUpdateEvent): Promise<void> {
    const previous = this.deliveries.get(event.task) ?? Promise.resolve();
    const next = previous.then(() => this.options.onTaskUpdate?.(event));
    this.deliveries.set(event.task, next.catch(() => undefined));
    return next;
  }

  private async settleDeliveries(): Promise<void> {
    await Promise.all(this.deliveries.values());
  }

  private async runTask(task: string): Promise<void> {
    this.workers++;
    try {
      await this.attemptUntilSettled(task);
    } catch (error) {
      this.fatal ??= { error };
    } finally {
      this.workers--;
      this.waker.notify();
    }
  }

  private async attemptUntilSettled(task: string): Promise<void> {
    const spec = this.graph.specs.get(task)!;
    const inputs = this.inputsOf(task);
    for (let attempt = 1; ; attempt++) {
      await this.slots.acquire();
      let result: TaskAttemptResult;
      try {
        if (this.over) return;
        const startedAt = this.states.get(task)!.startedAt ?? this.now();
        this.states.set(task, { status: 'RUNNING', attempt, startedAt });
        this.everStarted.add(task);
        // The start is recorded while the attempt runs, not before: it is on no task's critical
        // path (the attempt's outcome is delivered after it, in order, and a downstream starts
        // only once that outcome is recorded).
        const startRecorded = this.deliver({ type: 'started', status: 'RUNNING', task, attempt, at: this.now() });
        startRecorded.catch(() => undefined);
        result = await this.attempt(spec, attempt, inputs);
        await startRecorded;
      } finally {
        this.slots.release();
      }
      if (this.over) return;
      const state = this.states.get(task)!;
      if (result.ok) {
        this.states.set(task, { ...state, status: 'SUCCEEDED', output: result.output, completedAt: this.now() });
        await this.deliver({ type: 'succeeded', status: 'SUCCEEDED', task, attempt, at: this.now(), output: result.output });
        this.published.set(task, { status: 'SUCCEEDED' });
        return;
      }
      if (!shouldRetry(spec, attempt)) {
        this.states.set(task, { ...state, status: 'FAILED', error: result.error, completedAt: this.now() });
        await this.deliver({ type: 'failed', status: 'FAILED', task, attempt, at: this.now(), error: result.error });
        this.published.set(task, { status: 'FAILED' });
        return;
      }
      const delay = retryDelaySeconds(spec, attempt, this.random);
      this.states.set(task, { ...state, error: result.error });
      await this.deliver({
        type: 'retrying', status: 'RUNNING', task, attempt, at: this.now(), error: result.error, retryDelaySeconds: delay,
      });
      this.waker.notify(); // a chance to notice cancellation while this task waits
      await this.sleep(delay * 1000, this.stop.signal).catch(() => undefined);
      if (this.over) return;
    }
  }

  /** One attempt raced against the task's timeout; never rejects. */
  private async attempt(spec: NormalizedTaskSpec, attempt: number, inputs: Record<string, unknown>): Promise<TaskAttemptResult> {
    const controller = new AbortController();
    this.attempts.add(controller);
    const never = new Promise<TaskAttemptResult>(() => {});
    const execution = Promise.resolve()
      .then(() => this.options.executeTask(spec.name, attempt, inputs, { signal: controller.signal, task: spec }))
      .then(checkResult, (error: unknown): TaskAttemptResult => ({ ok: false, error: errorMessage(error) }));
    const timeout = this.timeoutTimer(spec.timeout_seconds * 1000, controller.signal).then(
      (): TaskAttemptResult => ({ ok: false, error: `timed out after ${spec.timeout_seconds}s` }),
      () => never,
    );
    try {
      return await Promise.race([execution, timeout]);
    } finally {
      // Stops the timer, or tells a timed-out executeTask to give up.
      controller.abort(new Error('attempt finished'));
      this.attempts.delete(controller);
    }
  }

  private inputsOf(task: string): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    for (const up of this.graph.upstreams.get(task)!) {
      if (this.published.get(up)?.status === 'SUCCEEDED') entries.push([up, this.states.get(up)!.output ?? null]);
    }
    return Object.fromEntries(entries);
  }

  private result(status: RunDagResult['status']): RunDagResult {
    const outputs: [string, unknown][] = [];
    for (const [task, state] of this.states) {
      if (state.status === 'SUCCEEDED') outputs.push([task, state.output ?? null]);
    }
    return {
      status,
      taskStates: Object.fromEntries(this.states),
      outputs: resolveOutputs(this.spec.outputs, Object.fromEntries(outputs), this.graph.tasks),
    };
  }
}

function checkResult(result: unknown): TaskAttemptResult {
  if (typeof result === 'object' && result !== null && 'ok' in result) {
    if (result.ok === true) return { ok: true, output: 'output' in result ? result.output : undefined };
    if (result.ok === false) {
      const error = 'error' in result ? result.error : undefined;
      return { ok: false, error: typeof error === 'string' ? error : errorMessage(error) };
    }
  }
  return { ok: false, error: 'executeTask returned neither {ok: true} nor {ok: false}' };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : String(error);
}
