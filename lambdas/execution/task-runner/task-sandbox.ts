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
 * Its console output (stdout and stderr) is captured as the attempt's log text.
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
// outside the TypeScript build, exactly as written here, wherever the runner runs.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const util = require('node:util');

function describe(error) {
  if (error instanceof Error) return error.message || error.name || 'Error';
  if (typeof error === 'string') return error;
  if (error === undefined) return 'threw undefined';
  if (error === null) return 'threw null';
  let text;
  try { text = JSON.stringify(error); } catch { text = undefined; }
  return 'threw a non-Error value: ' + (text === undefined ? util.inspect(error) : text);
}

function send(message) {
  try {
    parentPort.postMessage(message);
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', error: 'task returned a value that is not JSON (' + describe(error) + ')' });
  }
}

(async () => {
  const { moduleUrl, modulePath, exportName, args } = workerData;
  let mod;
  try {
    mod = await import(moduleUrl);
  } catch (error) {
    send({ kind: 'failed', error: 'cannot load module ' + modulePath + ': ' + describe(error) });
    return;
  }
  let fn = mod[exportName];
  if (typeof fn !== 'function' && mod.default !== null && typeof mod.default === 'object') fn = mod.default[exportName];
  if (typeof fn !== 'function') {
    send({ kind: 'failed', error: 'module ' + modulePath + ' has no exported function ' + exportName });
    return;
  }
  const context = { ...args.context, log: (...values) => console.log(...values) };
  let output;
  try {
    output = await fn({ parameters: args.parameters, inputs: args.inputs, secrets: args.secrets, context });
  } catch (error) {
    send({ kind: 'failed', error: describe(error) });
    return;
  }
  send({ kind: 'result', output: output === undefined ? null : output });
})();
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

type WorkerMessage = { kind: 'result'; output: unknown } | { kind: 'failed'; error: string };

function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'result' || (kind === 'failed' && typeof (value as { error?: unknown }).error === 'string');
}

/** Runs the attempt; never rejects (every way it can end is a SandboxResult). */
export function runInSandbox(request: SandboxRequest): Promise<SandboxResult> {
  return new Promise<SandboxResult>((resolve) => {
    const log = new LogBuffer();
    let outcome: { ok: true; output: unknown } | { ok: false; error: string } | undefined;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { moduleUrl: request.moduleUrl, modulePath: request.modulePath, exportName: request.exportName, args: request.args },
        env: taskEnv(),
        stdout: true,
        stderr: true,
      });
    } catch (error) {
      resolve({ ok: false, error: `cannot start the task sandbox: ${error instanceof Error ? error.message : String(error)}`, log: '' });
      return;
    }
    const streamsDone = Promise.all(
      [worker.stdout, worker.stderr].map(
        (stream) =>
          new Promise<void>((done) => {
            stream.setEncoding('utf8');
            stream.on('data', (chunk: string) => log.append(chunk));
            stream.once('end', () => done());
            stream.once('error', () => done());
            stream.once('close', () => done());
          }),
      ),
    );
    const settle = (result: { ok: true; output: unknown } | { ok: false; error: string }) => {
      if (outcome === undefined) outcome = result;
      void worker.terminate();
    };
    const timer = setTimeout(() => settle({ ok: false, error: request.timeoutMessage }), request.timeoutMs);
    const onAbort = () => {
      const reason: unknown = request.signal?.reason;
      settle({ ok: false, error: reason instanceof Error ? reason.message : 'attempt stopped' });
    };
    if (request.signal?.aborted) onAbort();
    else request.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) settle({ ok: false, error: 'task sandbox sent an unexpected message' });
      else if (message.kind === 'result') {
        const adopted = adoptJson(message.output);
        if (adopted.ok) settle({ ok: true, output: adopted.value });
        else {
          const where = adopted.path.length === 0 ? '' : ` at ${adopted.path.join('.')}`;
          settle({ ok: false, error: `task returned a value that is not JSON${where}: ${adopted.message}` });
        }
      }
      else settle({ ok: false, error: message.error });
    });
    worker.on('error', (error: unknown) => {
      const text = error instanceof Error ? error.message || error.name : String(error);
      settle({ ok: false, error: `uncaught exception in task code: ${text}` });
    });
    worker.once('exit', (code: number) => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (outcome === undefined) outcome = { ok: false, error: `task code exited the process (exit code ${code}) before returning` };
      const final = outcome;
      // The streams end once the worker is gone; don't let a stuck stream hold the result.
      void Promise.race([streamsDone, new Promise((r) => setTimeout(r, 1000))]).then(() => resolve({ ...final, log: log.text() }));
    });
  });
}
