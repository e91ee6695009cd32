import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FUNCTIONS, type FunctionName } from '../lambdas/catalogue';
import type { AwsCommandObserver } from '../lambdas/shared/aws-clients';
import type { LogSink } from '../lambdas/shared/logger';
import type { MetricSink } from '../lambdas/shared/metrics';
import type { FunctionHost } from './function-host';
import type { ThreadError, ThreadMessage, ThreadRequest, ThreadSetup } from './function-thread-protocol';
import { FUNCTION_LOADERS } from './functions';
import { bundleProgram } from './bundle-program';

/*
 * Hosts the functions on worker threads instead of the platform's own thread, so that the work of
 * many runs (SDK calls, signing, JSON, the engine) does not stall the gateway, the AWS emulator and
 * the state machine runner that share the platform's event loop. Each thread runs the same
 * function host (local/function-host.ts) on a bundle of the same code; a function has one instance
 * per thread that invoked it, as Lambda has one per concurrent container.
 *
 * Two lanes, as Lambda gives each function its own concurrency: the API's functions (the
 * authorizer and the http-* routers) on threads of their own, everything else (orchestrator, task
 * runner, event targets, timers) on the others, so a burst of runs cannot queue the API behind it.
 */

export interface FunctionThreadsOptions {
  threads: number;
  envFor: (name: FunctionName) => Record<string, string>;
  logSink?: LogSink;
  metricSink?: MetricSink;
  observeAws?: AwsCommandObserver;
}

export interface FunctionThreads extends FunctionHost {
  stop(): Promise<void>;
}

/** The API's functions: what the gateway calls on every request. */
export function isApiFunction(name: FunctionName): boolean {
  return name === 'authorizer' || name.startsWith('http-');
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class FunctionThread {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;
  private nextId = 1;
  private exited = false;
  readonly ready: Promise<void>;
  private stopped: (() => void) | undefined;

  constructor(bundle: string, setup: ThreadSetup, options: FunctionThreadsOptions) {
    this.worker = new Worker(bundle, { workerData: setup, env: process.env });
    let ready!: () => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => ((ready = resolve), (failed = reject)));
    this.worker.on('message', (message: ThreadMessage) => {
      switch (message.kind) {
        case 'ready':
          return ready();
        case 'stopped':
          return this.stopped?.();
        case 'log':
          return options.logSink?.(message.line);
        case 'metric':
          return options.metricSink?.(message.point);
        case 'aws':
          return options.observeAws?.(message.service, message.command, message.functionName, message.input);
        case 'result': {
          const p = this.pending.get(message.id);
          if (p === undefined) return;
          this.pending.delete(message.id);
          if (message.ok) p.resolve(message.value);
          else p.reject(rebuildError(message.error));
        }
      }
    });
    this.worker.on('error', (error) => {
      failed(error);
      this.failAll(error);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      failed(new Error(`function thread exited (code ${code}) before it was ready`));
      this.failAll(new Error(`function thread exited (code ${code})`));
      this.stopped?.();
    });
  }

  invoke(name: FunctionName, event: unknown): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('function thread is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ThreadRequest = { kind: 'invoke', id, name, event };
      try {
        this.worker.postMessage(request);
      } catch (error) {
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  /** Lets the thread close its functions' clients, then ends it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    await Promise.race([new Promise<void>((resolve) => ((this.stopped = resolve), this.worker.postMessage({ kind: 'stop' } satisfies ThreadRequest))), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}

/** A function's error as thrown in its thread: the same name (Step Functions maps it), message and stack. */
function rebuildError(fields: ThreadError): Error {
  const error = Object.assign(new Error(fields.message), fields.fields);
  error.name = fields.name;
  if (fields.stack !== undefined) error.stack = fields.stack;
  return error;
}

/** The thread program and every function it can load, in one ESM file (no loader needed in a thread). */
async function bundleThreadProgram(outFile: string): Promise<void> {
  // Holds no X-Ray SDK: only the Lambda entries import the tracer (lambdas/shared/lambda-entry.ts).
  await bundleProgram('local/function-thread-main.ts', outFile);
}

/** Starts `threads` function threads (at least 1; with 2 or more, the API has a lane of its own). */
export interface ThreadBundle {
  file: string;
  dispose(): void;
}

/**
 * Bundles the thread program (seconds: every function's code). The platform starts this first, so
 * it overlaps DynamoDB Local's start.
 */
export async function bundleFunctionThreads(): Promise<ThreadBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'dagy-function-threads-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  const file = join(dir, 'function-thread.mjs');
  try {
    await bundleThreadProgram(file);
  } catch (error) {
    dispose();
    throw error;
  }
  return { file, dispose };
}

export async function startFunctionThreads(options: FunctionThreadsOptions, bundled: Promise<ThreadBundle> = bundleFunctionThreads()): Promise<FunctionThreads> {
  if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`function threads: ${options.threads} is not a whole number ≥ 1`);
  const { file: bundle, dispose } = await bundled;
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const setup: ThreadSetup = {
    envs: Object.fromEntries(names.filter((n) => FUNCTION_LOADERS[n] !== undefined).map((n) => [n, options.envFor(n)])),
    forward: { logs: options.logSink !== undefined, metrics: options.metricSink !== undefined, aws: options.observeAws !== undefined },
  };
  const threads = Array.from({ length: options.threads }, () => new FunctionThread(bundle, setup, options));
  const stopAll = async () => {
    await Promise.all(threads.map((t) => t.stop()));
    dispose();
  };
  try {
    await Promise.all(threads.map((t) => t.ready));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const apiLane = threads.length === 1 ? threads : threads.slice(0, Math.floor(threads.length / 2));
  const workLane = threads.length === 1 ? threads : threads.slice(apiLane.length);
  // The least busy thread of the lane: invocations in flight stand for its queue.
  const pick = (lane: FunctionThread[]) => lane.reduce((best, t) => (t.pending.size < best.pending.size ? t : best));
  return {
    has: (name) => FUNCTION_LOADERS[name] !== undefined,
    async invoke(name, event) {
      if (FUNCTION_LOADERS[name] === undefined) throw new Error(`function ${name} is not available on the local platform`);
      return pick(isApiFunction(name) ? apiLane : workLane).invoke(name, event);
    },
    stop: stopAll,
  };
}
