import { parentPort, workerData } from 'node:worker_threads';
import type { FunctionName } from '../lambdas/catalogue';
import type { FunctionDeps, Runtime } from '../lambdas/shared/runtime';
import { createFunctionHost } from './function-host';
import type { ThreadMessage, ThreadRequest, ThreadSetup } from './function-thread-protocol';

/*
 * The program of one function thread (bundled by function-threads.ts): the same function host the
 * platform uses in its own thread (local/function-host.ts, the same factories and wrapper), fed
 * invocations by messages. What a host may inject and that crosses threads only as messages (log
 * lines, metric points, observed AWS commands) is forwarded to the platform's thread.
 */
const setup = workerData as ThreadSetup;
const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);
const runtimes: Runtime[] = [];

const deps: FunctionDeps = {
  onRuntime: (runtime) => runtimes.push(runtime),
  logSink: setup.forward.logs ? (line) => post({ kind: 'log', line }) : () => undefined,
  ...(setup.forward.metrics ? { metricSink: (point) => post({ kind: 'metric', point }) } : {}),
  ...(setup.forward.aws
    ? { observeAws: (service, command, functionName, input) => post({ kind: 'aws', service, command, functionName, input: tableFields(input) }) }
    : {}),
};
const host = createFunctionHost((name: FunctionName) => setup.envs[name] ?? {}, deps);

/** Observers read which table and index a command used; the rest of the input stays here. */
function tableFields(input: unknown): { TableName?: string; IndexName?: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { TableName, IndexName } = input as { TableName?: unknown; IndexName?: unknown };
  return { ...(typeof TableName === 'string' ? { TableName } : {}), ...(typeof IndexName === 'string' ? { IndexName } : {}) };
}

/** An error as the platform's thread rebuilds it: name, message, stack and its own plain fields. */
function errorFields(error: unknown): { name: string; message: string; stack?: string; fields: Record<string, unknown> } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(error)) {
    try {
      fields[k] = structuredClone(v);
    } catch {
      // A field that cannot cross threads (a function, a socket) is left behind.
    }
  }
  return { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}), fields };
}

port.on('message', (message: ThreadRequest) => {
  if (message.kind === 'stop') {
    for (const r of runtimes) r.aws.destroy();
    post({ kind: 'stopped' });
    return;
  }
  const { id, name, event } = message;
  host.invoke(name, event).then(
    (value) => {
      try {
        post({ kind: 'result', id, ok: true, value });
      } catch (error) {
        post({ kind: 'result', id, ok: false, error: errorFields(error) });
      }
    },
    (error: unknown) => post({ kind: 'result', id, ok: false, error: errorFields(error) }),
  );
});
post({ kind: 'ready' });
