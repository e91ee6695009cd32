import { Worker } from 'node:worker_threads';

/**
 * Runs one attempt of a task's code in a worker thread, so that nothing the code does can take
 * the runner down or hold it past the timeout:
 * - a hang (even a synchronous `while (true) {}`) is ended by terminating the worker at the timeout;
 * - `process.exit()` ends only the worker (worker threads turn it into an exit of the thread);
 * - an uncaught exception or unhandled rejection ends only the worker;
 * - the code sees a minimal environment, not the runner's (no table names, endpoints or the
 *   function role's credentials), and imports its module natively (ESM or CommonJS), outside any
 *   bundler or test module system.
 * Its console output (stdout and stderr) is captured as the attempt's log text. Workers are pooled
 * per organization and code version (SandboxPool): a clean finish returns the worker for the next
 * attempt of the same code; any other ending discards it.
 */

/** What the task's exported function receives (DESIGN.md "Task code"), context.log added. */
export interface TaskCallArgs {
  parameters: Record<string, unknown>;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  context: { run_id: string; task_name: string; attempt: number };
}

export interface SandboxRequest {
  /** file:// URL of the module inside the unpacked artifact. */
  moduleUrl: string;
  /** Module path as the handler names it (for messages). */
  modulePath: string;
  exportName: string;
  args: TaskCallArgs;
  timeoutMs: number;
  /** Wording of the timeout failure, e.g. "timed out after 30s". */
  timeoutMessage: string;
  /** Aborting it stops the attempt at once (run cancelled, runner shutting down). */
  signal?: AbortSignal;
}

export type SandboxResult = { ok: true; output: unknown; log: string } | { ok: false; error: string; log: string };

/** Log text kept per attempt; beyond it the log is cut with a marker. */
export const MAX_ATTEMPT_LOG_BYTES = 1024 * 1024;

// The worker's program (CommonJS, evaluated by the worker). It must stay plain JavaScript: it runs
// outside the TypeScript build, exactly as written here, wherever the runner runs. A worker runs
// one attempt at a time and may run several in turn (see SandboxPool); everything it writes to
// stdout/stderr is posted to the runner ahead of the attempt's result, on the same ordered port.
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const util = require('node:util');
let current = 0;

for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    parentPort.postMessage({ kind: 'log', id: current, text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
}

function describe(error) {
  if (error instanceof Error) return error.message || error.name || 'Error';
  if (typeof error === 'string') return error;
  if (error === undefined) return 'threw undefined';
  if (error === null) return 'threw null';
  let text;
  try { text = JSON.stringify(error); } catch { text = undefined; }
  return 'threw a non-Error value: ' + (text === undefined ? util.inspect(error) : text);
}

function send(id, message) {
  try {
    parentPort.postMessage({ ...message, id });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', id, error: 'task returned a value that is not JSON (' + describe(error) + ')' });
  }
}

parentPort.on('message', async (request) => {
  const { id, moduleUrl, modulePath, exportName, args } = request;
  current = id;
  let mod;
  try {
    mod = await import(moduleUrl);
  } catch (error) {
    send(id, { kind: 'failed', error: 'cannot load module ' + modulePath + ': ' + describe(error) });
    return;
  }
  let fn = mod[exportName];
  if (typeof fn !== 'function' && mod.default !== null && typeof mod.default === 'object') fn = mod.default[exportName];
  if (typeof fn !== 'function') {
    send(id, { kind: 'failed', error: 'module ' + modulePath + ' has no exported function ' + exportName });
    return;
  }
  const context = { ...args.context, log: (...values) => console.log(...values) };
  let output;
  try {
    output = await fn({ parameters: args.parameters, inputs: args.inputs, secrets: args.secrets, context });
  } catch (error) {
    send(id, { kind: 'failed', error: describe(error) });
    return;
  }
  send(id, { kind: 'result', output: output === undefined ? null : output });
});
`;

/** Environment variables task code may see: locale, time zone and PATH, never the runner's. */
const PASSED_ENV = ['TZ', 'LANG', 'LC_ALL', 'PATH'] as const;

function taskEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

class LogBuffer {
  private readonly chunks: string[] = [];
  private bytes = 0;
  private cut = false;

  append(text: string): void {
    if (this.cut) return;
    const size = Buffer.byteLength(text);
    if (this.bytes + size > MAX_ATTEMPT_LOG_BYTES) {
      this.chunks.push(Buffer.from(text).subarray(0, Math.max(0, MAX_ATTEMPT_LOG_BYTES - this.bytes)).toString());
      this.chunks.push('\n[log truncated at 1 MB]\n');
      this.cut = true;
      return;
    }
    this.bytes += size;
    this.chunks.push(text);
  }

  text(): string {
    return this.chunks.join('');
  }
}

/**
 * Copies a value received from the worker into this realm, accepting only plain JSON. Values that
 * crossed from a worker are built by the structured-clone algorithm in the receiving thread's main
 * realm, which need not be the realm this module runs in (e.g. a test environment's VM context),
 * so prototypes are checked by shape, not by identity.
 */
export function adoptJson(value: unknown, path: (string | number)[] = []): { ok: true; value: unknown } | { ok: false; path: (string | number)[]; message: string } {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return { ok: true, value };
  if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value } : { ok: false, path, message: 'must be a finite number' };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = adoptJson(value[i], [...path, i]);
      if (!item.ok) return item;
      out.push(item.value);
    }
    return { ok: true, value: out };
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    const plain = proto === null || (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]');
    if (!plain) return { ok: false, path, message: 'must be plain JSON' };
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { ok: false, path: [...path, key], message: 'reserved key' };
      const item = adoptJson((value as Record<string, unknown>)[key], [...path, key]);
      if (!item.ok) return item;
      out[key] = item.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false, path, message: `must be JSON, not ${typeof value}` };
}

type WorkerMessage =
  | { kind: 'log'; id: number; text: string }
  | { kind: 'result'; id: number; output: unknown }
  | { kind: 'failed'; id: number; error: string };

function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { kind?: unknown; id?: unknown; text?: unknown; error?: unknown };
  if (typeof m.id !== 'number') return false;
  return (m.kind === 'log' && typeof m.text === 'string') || m.kind === 'result' || (m.kind === 'failed' && typeof m.error === 'string');
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: string };

interface Attempt {
  id: number;
  log: LogBuffer;
  finish: (outcome: Outcome, reusable: boolean) => void;
}

/** One worker thread; runs one attempt at a time. */
class SandboxWorker {
  readonly worker: Worker;
  attempt: Attempt | undefined;
  dead = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly onGone: (w: SandboxWorker) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, env: taskEnv(), stdout: false, stderr: false });
    this.worker.on('message', (message: unknown) => this.onMessage(message));
    this.worker.on('error', (error: unknown) => {
      // A rejection's reason may arrive serialized as "Error: message".
      const text = (error instanceof Error ? error.message || error.name : String(error)).replace(/^Error: /, '');
      this.end({ ok: false, error: `uncaught exception in task code: ${text}` });
    });
    this.worker.once('exit', (code: number) => {
      this.dead = true;
      this.end({ ok: false, error: `task code exited the process (exit code ${code}) before returning` });
      this.onGone(this);
    });
  }

  private onMessage(message: unknown): void {
    const attempt = this.attempt;
    if (!isWorkerMessage(message)) {
      this.end({ ok: false, error: 'task sandbox sent an unexpected message' });
      return;
    }
    // Output of an earlier attempt's leftover work, or of no attempt: not this attempt's.
    if (attempt === undefined || message.id !== attempt.id) return;
    if (message.kind === 'log') attempt.log.append(message.text);
    else if (message.kind === 'failed') this.finish({ ok: false, error: message.error }, true);
    else {
      const adopted = adoptJson(message.output);
      if (adopted.ok) this.finish({ ok: true, output: adopted.value }, true);
      else {
        const where = adopted.path.length === 0 ? '' : ` at ${adopted.path.join('.')}`;
        this.finish({ ok: false, error: `task returned a value that is not JSON${where}: ${adopted.message}` }, true);
      }
    }
  }

  /** The attempt ended in a way that leaves the worker unusable (error, exit, timeout). */
  end(outcome: Outcome): void {
    this.finish(outcome, false);
    this.kill();
  }

  private finish(outcome: Outcome, reusable: boolean): void {
    const attempt = this.attempt;
    if (attempt === undefined) return;
    this.attempt = undefined;
    attempt.finish(outcome, reusable && !this.dead);
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    void this.worker.terminate();
  }
}

/** Most idle workers kept per (organization, code) and in all. */
const MAX_IDLE_PER_KEY = 4;
const MAX_IDLE_TOTAL = 32;
const IDLE_MS = 60_000;

/**
 * Workers kept between attempts, per organization and code_hash: an attempt reuses an idle worker
 * of the same code (module already imported) instead of paying a thread start. Workers are never
 * shared across organizations, and one that timed out, crashed or exited is discarded.
 */
export class SandboxPool {
  private readonly idle = new Map<string, SandboxWorker[]>();
  private idleCount = 0;
  private nextId = 1;

  run(key: string, request: SandboxRequest): Promise<SandboxResult> {
    return new Promise<SandboxResult>((resolve) => {
      let sandbox: SandboxWorker;
      try {
        sandbox = this.acquire(key);
      } catch (error) {
        resolve({ ok: false, error: `cannot start the task sandbox: ${error instanceof Error ? error.message : String(error)}`, log: '' });
        return;
      }
      const log = new LogBuffer();
      const onAbort = () => {
        const reason: unknown = request.signal?.reason;
        sandbox.end({ ok: false, error: reason instanceof Error ? reason.message : 'attempt stopped' });
      };
      const timer = setTimeout(() => sandbox.end({ ok: false, error: request.timeoutMessage }), request.timeoutMs);
      const id = this.nextId++;
      sandbox.attempt = {
        id,
        log,
        finish: (outcome, reusable) => {
          clearTimeout(timer);
          request.signal?.removeEventListener('abort', onAbort);
          if (reusable) this.release(key, sandbox);
          resolve({ ...outcome, log: log.text() });
        },
      };
      if (request.signal?.aborted) {
        onAbort();
        return;
      }
      request.signal?.addEventListener('abort', onAbort, { once: true });
      sandbox.worker.postMessage({ id, moduleUrl: request.moduleUrl, modulePath: request.modulePath, exportName: request.exportName, args: request.args });
    });
  }

  private acquire(key: string): SandboxWorker {
    const list = this.idle.get(key);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.idleCount--;
      if (list!.length === 0) this.idle.delete(key);
      clearTimeout(reused.idleTimer);
      reused.worker.ref();
      return reused;
    }
    return new SandboxWorker((gone) => this.forget(key, gone));
  }

  private release(key: string, sandbox: SandboxWorker): void {
    const list = this.idle.get(key) ?? [];
    if (sandbox.dead || list.length >= MAX_IDLE_PER_KEY || this.idleCount >= MAX_IDLE_TOTAL) {
      sandbox.kill();
      return;
    }
    list.push(sandbox);
    this.idle.set(key, list);
    this.idleCount++;
    // An idle worker holds nothing open: the host may exit (or freeze) with it.
    sandbox.worker.unref();
    sandbox.idleTimer = setTimeout(() => sandbox.kill(), IDLE_MS);
    sandbox.idleTimer.unref();
  }

  private forget(key: string, sandbox: SandboxWorker): void {
    const list = this.idle.get(key);
    if (list === undefined) return;
    const i = list.indexOf(sandbox);
    if (i < 0) return;
    list.splice(i, 1);
    this.idleCount--;
    clearTimeout(sandbox.idleTimer);
    if (list.length === 0) this.idle.delete(key);
  }

  /** Ends every idle worker. */
  close(): void {
    for (const list of this.idle.values()) for (const w of list) w.kill();
    this.idle.clear();
    this.idleCount = 0;
  }
}

const sharedPool = new SandboxPool();

/**
 * Runs the attempt in a worker of the process-wide pool (`poolKey` separates organizations and
 * code versions); never rejects: every way it can end is a SandboxResult.
 */
export function runInSandbox(poolKey: string, request: SandboxRequest): Promise<SandboxResult> {
  return sharedPool.run(poolKey, request);
}
