import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { dirname, isAbsolute, parse, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs one attempt of a task's code in a child Node.js process started under Node's permission
 * model, so that nothing the code does can take the runner down, hold it past the timeout, or
 * reach another organization's files:
 * - the process may read only its own artifact directory (the directory the module path is
 *   relative to), may not write any file, and may not start processes or worker threads;
 * - a hang (even a synchronous `while (true) {}`) is ended by SIGKILL at the timeout or abort;
 * - `process.exit()`, an uncaught exception or an unhandled rejection ends only that process;
 * - the code sees a minimal environment, not the runner's (no table names, endpoints or the
 *   function role's credentials), and imports its module natively (ESM or CommonJS), outside any
 *   bundler or test module system.
 * Its console output (stdout and stderr) is captured as the attempt's log text. Processes are
 * pooled per organization and code version (SandboxPool): a clean finish returns the process for
 * the next attempt of the same code; any other ending discards it.
 */

import type { TaskCallArgs } from './contract';

export type { TaskCallArgs };

export interface SandboxRequest {
  /** file:// URL of the module inside the unpacked artifact. */
  moduleUrl: string;
  /**
   * Module path as the handler names it, relative to the artifact directory (for messages; the
   * sandbox may read only the directory moduleUrl names once this path is taken off it).
   */
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

// The sandbox process's program (CommonJS, run with `node -e`). It must stay plain JavaScript: it
// runs outside the TypeScript build, exactly as written here, wherever the runner runs. A process
// runs one attempt at a time and may run several in turn (see SandboxPool); everything it writes
// to stdout/stderr is sent to the runner ahead of the attempt's result, on the same ordered IPC
// channel (structured-clone serialization, so non-JSON values arrive as what they are).
const CHILD_SOURCE = String.raw`
const util = require('node:util');
// Task code may signal only itself: not its host (the code executor), not the platform, and it
// may not start another process's inspector (_debugProcess sends SIGUSR1). process.kill looks
// _kill up on each call, so replacing it covers both. The inspector of this process is off under
// the permission model, and a SIGUSR1 handler keeps it off on hosts that lack the flag.
{
  const rawKill = process._kill.bind(process);
  const refuse = () => { const e = new Error('task code may not signal other processes'); e.code = 'EPERM'; throw e; };
  const lock = (name, value) => Object.defineProperty(process, name, { value, writable: false, configurable: false });
  lock('_kill', (pid, signal) => (Number(pid) === process.pid ? rawKill(pid, signal) : refuse()));
  lock('_debugProcess', refuse);
  lock('_debugEnd', refuse);
  process.on('SIGUSR1', () => {});
}
let current = 0;
let crashed = false;

for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (process.connected) process.send({ kind: 'log', id: current, text });
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

function crash(error) {
  if (crashed) return;
  crashed = true;
  const text = error instanceof Error ? error.message || error.name || 'Error' : String(error);
  if (!process.connected) process.exit(70);
  process.send({ kind: 'crashed', id: current, error: text }, () => process.exit(70));
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// The runner is gone (or dropped this process): nothing can use it any more.
process.on('disconnect', () => process.exit(0));

// Work a task leaves behind after it returns (a timer, a socket, a file read) may run or throw
// during the next attempt in this process: a process holding more live resources after the task
// function returned than just before it was called is not reused (the runner ends it), so that
// work is never the next attempt's.
const countResources = () => {
  const counts = new Map();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) || 0) + 1);
  return counts;
};
let baseline;
const leftoverWork = () => {
  if (baseline === undefined) return false;
  for (const [type, n] of countResources()) if (n > (baseline.get(type) || 0)) return true;
  return false;
};

function send(id, message) {
  if (!process.connected) return;
  if (message.kind === 'result' || message.kind === 'failed') message = { ...message, leftover: leftoverWork() };
  try {
    process.send({ ...message, id });
  } catch (error) {
    process.send({ kind: 'failed', id, error: 'task returned a value that is not JSON (' + describe(error) + ')' });
  }
}

process.on('message', async (request) => {
  const { id, moduleUrl, modulePath, exportName, args } = request;
  current = id;
  baseline = undefined;
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
  baseline = countResources();
  try {
    output = await fn({ parameters: args.parameters, inputs: args.inputs, secrets: args.secrets, context });
  } catch (error) {
    send(id, { kind: 'failed', error: describe(error) });
    return;
  }
  send(id, { kind: 'result', output: output === undefined ? null : output });
});
// Started: the runner hands this process an attempt only now (SandboxPool).
if (process.connected) process.send({ kind: 'ready', id: 0 });
`;

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

/**
 * Node options that confine a sandbox process to reading `readDirectory` (an absolute path) and
 * below: no file writes, no child processes, no worker threads, no native addons (nothing else is
 * granted). The permission model is `--experimental-permission` up to Node 22.12 and
 * `--permission` from 22.13 (where it became stable; the experimental name was dropped later).
 * The `<dir>/*` form grants the directory and everything under it, not its siblings sharing a
 * name prefix (e.g. an artifact's staging directory `<hash>.<random>.tmp`). Warnings are silenced
 * so that the permission model's ExperimentalWarning does not land in task logs.
 */
export function sandboxNodeFlags(nodeVersion: string, readDirectory: string): string[] {
  // Node 20 splits the value at commas, and a `*` is a wildcard: such a path would grant more, as
  // would the file system's root.
  if (!isAbsolute(readDirectory) || /[,*]/.test(readDirectory) || parse(readDirectory).root === readDirectory) throw new Error(`unusable artifact directory ${JSON.stringify(readDirectory)}`);
  const permission = versionAtLeast(nodeVersion, 22, 13) ? '--permission' : '--experimental-permission';
  // --disable-warning exists from Node 20.11 and 21.3.
  const hasDisableWarning = versionAtLeast(nodeVersion, 21, 3) || (versionAtLeast(nodeVersion, 20, 11) && !versionAtLeast(nodeVersion, 21, 0));
  const quiet = hasDisableWarning ? '--disable-warning=ExperimentalWarning' : '--no-warnings';
  const directory = readDirectory.length > 1 && readDirectory.endsWith(sep) ? readDirectory.slice(0, -1) : readDirectory;
  return [permission, `--allow-fs-read=${directory}${directory.endsWith(sep) ? '' : sep}*`, quiet];
}

/**
 * The directory a sandbox may read: the artifact directory, i.e. the module file's path without
 * its artifact-relative module path; the module's own directory when the two do not line up.
 */
export function sandboxReadDirectory(moduleUrl: string, modulePath: string): string {
  const file = fileURLToPath(moduleUrl);
  const relative = modulePath.replace(/^(?:\.\/)+/, '').split('/').join(sep);
  if (relative !== '' && file.endsWith(sep + relative)) {
    const root = file.slice(0, file.length - relative.length - 1);
    // Never the file system's root: that would grant everything.
    if (root !== '' && root !== parse(root).root) return root;
  }
  return dirname(file);
}

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
 * Copies a value received from a sandbox process into this realm, accepting only plain JSON.
 * Values that crossed the IPC channel are rebuilt by the structured-clone deserializer in the
 * runner's main realm, which need not be the realm this module runs in (e.g. a test environment's
 * VM context), so prototypes are checked by shape, not by identity.
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

type ChildMessage =
  | { kind: 'ready'; id: number }
  | { kind: 'log'; id: number; text: string }
  | { kind: 'result'; id: number; output: unknown; leftover?: boolean }
  | { kind: 'failed'; id: number; error: string; leftover?: boolean }
  | { kind: 'crashed'; id: number; error: string };

function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { kind?: unknown; id?: unknown; text?: unknown; error?: unknown };
  if (typeof m.id !== 'number') return false;
  return m.kind === 'ready' || (m.kind === 'log' && typeof m.text === 'string') || m.kind === 'result' || ((m.kind === 'failed' || m.kind === 'crashed') && typeof m.error === 'string');
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: string };

interface Attempt {
  id: number;
  log: LogBuffer;
  finish: (outcome: Outcome, reusable: boolean) => void;
}

/** What a sandbox process tells its pool: it started (ready for an attempt), or it is gone. */
interface SandboxLifecycle {
  ready(p: SandboxProcess): void;
  gone(p: SandboxProcess): void;
}

/** One sandbox process, allowed to read `readDirectory` only; runs one attempt at a time. */
class SandboxProcess {
  readonly child: ChildProcess;
  attempt: Attempt | undefined;
  dead = false;
  idleTimer: NodeJS.Timeout | undefined;
  /** Why it could not start, when it ended before it was ready. */
  failure: string | undefined;
  private started = false;
  private gone = false;

  /** `nodeFlags`: sandboxNodeFlags for `readDirectory`. */
  constructor(
    readDirectory: string,
    nodeFlags: readonly string[],
    private readonly lifecycle: SandboxLifecycle,
  ) {
    this.child = spawn(process.execPath, [...nodeFlags, '-e', CHILD_SOURCE], {
      cwd: readDirectory,
      env: taskEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (message: unknown) => this.onMessage(message));
    // Output that bypasses process.stdout/stderr (e.g. written by Node itself) still counts as log.
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => this.attempt?.log.append(text));
    }
    this.child.on('error', (error: Error) => {
      this.failure ??= `cannot start the task sandbox: ${error.message}`;
      this.end({ ok: false, error: `cannot start the task sandbox: ${error.message}` });
      // A process that never started emits no 'close'.
      if (this.child.pid === undefined) this.leave();
    });
    this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.dead = true;
      const how = code !== null ? `exit code ${code}` : `signal ${signal ?? 'unknown'}`;
      this.failure ??= `cannot start the task sandbox: it exited (${how}) before it was ready`;
      this.end({ ok: false, error: `task code exited the process (${how}) before returning` });
      this.leave();
    });
  }

  private leave(): void {
    if (this.gone) return;
    this.gone = true;
    this.dead = true;
    this.lifecycle.gone(this);
  }

  private onMessage(message: unknown): void {
    const attempt = this.attempt;
    if (!isChildMessage(message)) {
      this.end({ ok: false, error: 'task sandbox sent an unexpected message' });
      return;
    }
    // Sent once, before any attempt reached the process (task code sending it later changes nothing).
    if (message.kind === 'ready') {
      if (this.started) return;
      this.started = true;
      this.lifecycle.ready(this);
      return;
    }
    // A crash ends the process whichever attempt (or none) it belongs to.
    if (message.kind === 'crashed') {
      this.end({ ok: false, error: `uncaught exception in task code: ${message.error}` });
      return;
    }
    // Output of an earlier attempt's leftover work, or of no attempt: not this attempt's.
    if (attempt === undefined || message.id !== attempt.id) return;
    if (message.kind === 'log') {
      attempt.log.append(message.text);
      return;
    }
    // A process still holding the attempt's leftover work ends with it (see the child program).
    const reusable = message.leftover !== true;
    if (message.kind === 'failed') this.finish({ ok: false, error: message.error }, reusable);
    else {
      const adopted = adoptJson(message.output);
      if (adopted.ok) this.finish({ ok: true, output: adopted.value }, reusable);
      else {
        const where = adopted.path.length === 0 ? '' : ` at ${adopted.path.join('.')}`;
        this.finish({ ok: false, error: `task returned a value that is not JSON${where}: ${adopted.message}` }, reusable);
      }
    }
    if (!reusable) this.kill();
  }

  /** Sends an attempt's request; a process that can no longer take it ends the attempt. */
  start(message: { id: number; moduleUrl: string; modulePath: string; exportName: string; args: TaskCallArgs }): void {
    const fail = (error: unknown) => this.end({ ok: false, error: `cannot start the task sandbox: ${error instanceof Error ? error.message : String(error)}` });
    try {
      this.child.send(message, (error: Error | null) => {
        if (error !== null) fail(error);
      });
    } catch (error) {
      fail(error);
    }
  }

  /** The attempt ended in a way that leaves the process unusable (error, exit, timeout). */
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

  /** Whether the process (its handle, IPC channel and pipes) keeps the runner's event loop alive. */
  setRef(on: boolean): void {
    const apply = (handle: { ref(): void; unref(): void }) => (on ? handle.ref() : handle.unref());
    apply(this.child);
    if (this.child.channel) apply(this.child.channel);
    for (const stream of [this.child.stdout, this.child.stderr]) if (stream instanceof Socket) apply(stream);
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.child.kill('SIGKILL');
  }
}

/**
 * Most idle processes kept per (organization, code): as many as a runner runs attempts at once
 * (IN_PROCESS_MAX_CONCURRENCY, the ECS container's), so that a wave of attempts ending together
 * does not end processes the next wave starts again. And in all.
 */
const MAX_IDLE_PER_KEY = 16;
const MAX_IDLE_TOTAL = 32;
const IDLE_MS = 60_000;
/**
 * Processes starting at once per (organization, code). A start is ~100 ms of CPU (a Node.js
 * process boots); sixteen at once only share the same cores, while short attempts meanwhile run
 * in the processes that already exist. So the pool grows two at a time, and only while attempts
 * are still waiting.
 */
const MAX_STARTING_PER_KEY = 2;

/** An attempt waiting for a process of its slot. */
interface Waiter {
  take(p: SandboxProcess): void;
}

/** The processes of one (organization, code, readable directory). */
interface Slot {
  readDirectory: string;
  /** Its processes' Node.js options (sandboxNodeFlags), made once. */
  nodeFlags: readonly string[];
  idle: SandboxProcess[];
  waiting: Waiter[];
  starting: number;
}

/**
 * Processes kept between attempts, per organization and code_hash (and readable directory): an
 * attempt reuses an idle process of the same code (module already imported) instead of paying a
 * process start. Processes are never shared across organizations, and one that timed out, crashed
 * or exited is discarded. With none idle the attempt waits for the first process of its slot to
 * be free: one another attempt gives back, or one the pool starts for it (MAX_STARTING_PER_KEY at
 * a time). Its timeout counts from its call, the wait included, as it always counted the start.
 */
export class SandboxPool {
  private readonly slots = new Map<string, Slot>();
  private idleCount = 0;
  private nextId = 1;
  /** Processes started since the pool was made (tests and benches read it). */
  started = 0;

  run(key: string, request: SandboxRequest): Promise<SandboxResult> {
    return new Promise<SandboxResult>((resolve) => {
      let slot: Slot;
      try {
        const readDirectory = sandboxReadDirectory(request.moduleUrl, request.modulePath);
        slot = this.slotOf(`${key}\u0000${readDirectory}`, readDirectory);
      } catch (error) {
        resolve({ ok: false, error: `cannot start the task sandbox: ${error instanceof Error ? error.message : String(error)}`, log: '' });
        return;
      }
      const log = new LogBuffer();
      const id = this.nextId++;
      let sandbox: SandboxProcess | undefined;
      let done = false;
      const settle = (outcome: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve({ ...outcome, log: log.text() });
      };
      // Ended while it runs: the process is not reusable. Ended while it waits: it leaves the queue.
      const end = (outcome: Outcome) => {
        if (sandbox !== undefined) {
          sandbox.end(outcome);
          return;
        }
        const i = slot.waiting.indexOf(waiter);
        if (i >= 0) slot.waiting.splice(i, 1);
        settle(outcome);
      };
      const onAbort = () => {
        const reason: unknown = request.signal?.reason;
        end({ ok: false, error: reason instanceof Error ? reason.message : 'attempt stopped' });
      };
      const timer = setTimeout(() => end({ ok: false, error: request.timeoutMessage }), request.timeoutMs);
      const waiter: Waiter = {
        take: (p) => {
          sandbox = p;
          if (p.dead) {
            settle({ ok: false, error: p.failure ?? 'cannot start the task sandbox' });
            return;
          }
          p.attempt = {
            id,
            log,
            finish: (outcome, reusable) => {
              if (reusable) this.giveBack(slot, p);
              settle(outcome);
            },
          };
          p.start({ id, moduleUrl: request.moduleUrl, modulePath: request.modulePath, exportName: request.exportName, args: request.args });
        },
      };
      if (request.signal?.aborted) {
        settle({ ok: false, error: request.signal.reason instanceof Error ? request.signal.reason.message : 'attempt stopped' });
        return;
      }
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const reused = slot.idle.pop();
      if (reused !== undefined) {
        this.idleCount--;
        clearTimeout(reused.idleTimer);
        reused.setRef(true);
        waiter.take(reused);
        return;
      }
      slot.waiting.push(waiter);
      this.grow(slot);
    });
  }

  private slotOf(name: string, readDirectory: string): Slot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      // Made with the slot: an unusable directory fails the attempt that names it, before any start.
      slot = { readDirectory, nodeFlags: sandboxNodeFlags(process.versions.node, readDirectory), idle: [], waiting: [], starting: 0 };
      this.slots.set(name, slot);
    }
    return slot;
  }

  /**
   * Starts processes for attempts about to arrive, all at once, until the slot of `readDirectory`
   * has `count` idle or starting (MAX_IDLE_PER_KEY at most). For a host that knows how many
   * attempts it is about to start (a whole run's first ready tasks): started MAX_STARTING_PER_KEY
   * at a time, the last of three first tasks waited for a third start after the first two (in a
   * run of three branches, the critical path's first task). Never throws: an unusable directory
   * fails the attempts that name it.
   */
  prewarm(key: string, readDirectory: string, count: number): void {
    let slot: Slot;
    try {
      slot = this.slotOf(`${key}\u0000${readDirectory}`, readDirectory);
    } catch {
      return;
    }
    const wanted = Math.min(count, MAX_IDLE_PER_KEY);
    while (slot.idle.length + slot.starting < wanted) this.startProcess(slot);
  }

  /** Starts processes for the attempts still waiting, MAX_STARTING_PER_KEY at a time. */
  private grow(slot: Slot): void {
    while (slot.starting < MAX_STARTING_PER_KEY && slot.waiting.length > slot.starting) this.startProcess(slot);
  }

  private startProcess(slot: Slot): void {
    slot.starting++;
    this.started++;
    let starting = true;
    // eslint-disable-next-line no-new -- the process reports through its lifecycle.
    new SandboxProcess(slot.readDirectory, slot.nodeFlags, {
      ready: (p) => {
        if (!starting) return;
        starting = false;
        slot.starting--;
        this.giveBack(slot, p);
        this.grow(slot);
      },
      gone: (p) => {
        this.forget(slot, p);
        if (!starting) return;
        starting = false;
        slot.starting--;
        // It never started: the attempt it was for fails saying why (no start loop on a host
        // where processes cannot start); the others wait on.
        slot.waiting.shift()?.take(p);
        this.grow(slot);
      },
    });
  }

  /** A free process: to the first waiting attempt, else kept idle (within the limits). */
  private giveBack(slot: Slot, sandbox: SandboxProcess): void {
    if (sandbox.dead) return;
    const waiter = slot.waiting.shift();
    if (waiter !== undefined) {
      waiter.take(sandbox);
      return;
    }
    if (slot.idle.length >= MAX_IDLE_PER_KEY || this.idleCount >= MAX_IDLE_TOTAL) {
      sandbox.kill();
      return;
    }
    slot.idle.push(sandbox);
    this.idleCount++;
    // An idle process holds nothing open: the host may exit (or freeze) with it; it exits itself
    // when the host goes (its IPC channel closes).
    sandbox.setRef(false);
    sandbox.idleTimer = setTimeout(() => sandbox.kill(), IDLE_MS);
    sandbox.idleTimer.unref();
  }

  private forget(slot: Slot, sandbox: SandboxProcess): void {
    const i = slot.idle.indexOf(sandbox);
    if (i < 0) return;
    slot.idle.splice(i, 1);
    this.idleCount--;
    clearTimeout(sandbox.idleTimer);
  }

  /** Ends every idle process. */
  close(): void {
    for (const slot of this.slots.values()) {
      for (const p of slot.idle) p.kill();
      slot.idle = [];
    }
    this.idleCount = 0;
  }
}

const sharedPool = new SandboxPool();

/**
 * Runs the attempt in a process of the process-wide pool (`poolKey` separates organizations and
 * code versions); never rejects: every way it can end is a SandboxResult.
 */
export function runInSandbox(poolKey: string, request: SandboxRequest): Promise<SandboxResult> {
  return sharedPool.run(poolKey, request);
}
