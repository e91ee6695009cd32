import type { ExecuteContext, RunDagOptions, TaskAttemptResult, TaskUpdateEvent } from '../../../lambdas/engine';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise chain run (each macrotask turn drains the microtask queue). */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface AttemptCall {
  task: string;
  attempt: number;
  inputs: Record<string, unknown>;
  context: ExecuteContext;
  result: Deferred<TaskAttemptResult>;
}

/**
 * Options for runDagInProcess where every attempt, retry wait and timeout is a deferred the test
 * settles by hand, so ordering is proven without real time.
 */
export function controlledRun() {
  const calls: AttemptCall[] = [];
  const events: TaskUpdateEvent[] = [];
  const sleeps: number[] = [];
  const timers: { ms: number; signal: AbortSignal | undefined; fire: Deferred<void> }[] = [];
  let clock = 1000;

  const options = {
    executeTask: (task, attempt, inputs, context) => {
      const result = deferred<TaskAttemptResult>();
      calls.push({ task, attempt, inputs, context, result });
      return result.promise;
    },
    onTaskUpdate: (event) => {
      events.push(event);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    timeoutTimer: (ms, signal) => {
      const fire = deferred<void>();
      timers.push({ ms, signal, fire });
      return fire.promise;
    },
    now: () => clock++,
  } satisfies RunDagOptions;

  /** The pending call for a task's attempt; throws if it has not started. */
  const call = (task: string, attempt = 1): AttemptCall => {
    const found = calls.find((c) => c.task === task && c.attempt === attempt);
    if (!found) throw new Error(`${task}#${attempt} has not started; started: ${started().join(', ')}`);
    return found;
  };
  const started = () => calls.map((c) => `${c.task}#${c.attempt}`);
  const succeed = (task: string, output: unknown = { from: task }, attempt = 1) => call(task, attempt).result.resolve({ ok: true, output });
  const fail = (task: string, error = 'boom', attempt = 1) => call(task, attempt).result.resolve({ ok: false, error });
  const eventLog = () => events.map((e) => `${e.task}:${e.type}#${e.attempt}`);

  return { options, calls, events, sleeps, timers, call, started, succeed, fail, eventLog };
}
