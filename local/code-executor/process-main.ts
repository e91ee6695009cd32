import { parseCodeAttemptRequest, type CodeAttemptResponse } from '../../lambdas/execution/code-executor/contract';
import { CodeExecutor, PresignedArtifactCache } from '../../lambdas/execution/code-executor/execute-code';

/*
 * The program of one organization's code-executor process on the local platform (bundled by
 * host.ts and run with plain node under the permission model, with an empty environment and, when
 * the platform runs as root, an unprivileged uid). It is the code-executor function hosted
 * differently: the same CodeExecutor, fed attempts over IPC instead of Lambda invocations.
 *
 *   parent -> child  {kind: 'run', id, request} | {kind: 'cancel', id}
 *   child -> parent  {kind: 'result', id, response}
 */

type HostMessage = { kind: 'run'; id: number; request: unknown } | { kind: 'cancel'; id: number };

const cacheDir = process.argv[2];
if (cacheDir === undefined || process.send === undefined) {
  process.stderr.write('usage: node code-executor.mjs <cache dir> (with an IPC channel)\n');
  process.exit(2);
}
// Signals meant to open this process's inspector do nothing (it is off under the permission
// model anyway); the parent going away ends this process.
process.on('SIGUSR1', () => undefined);
process.on('disconnect', () => process.exit(0));

const executor = new CodeExecutor(new PresignedArtifactCache(cacheDir));
const running = new Map<number, AbortController>();

function reply(id: number, response: CodeAttemptResponse): void {
  if (process.connected) process.send?.({ kind: 'result', id, response });
}

process.on('message', (message: HostMessage) => {
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort(new Error('attempt stopped'));
    return;
  }
  const { id } = message;
  let request;
  try {
    request = parseCodeAttemptRequest(message.request);
  } catch (error) {
    reply(id, { ok: false, error: `bad code-executor request: ${error instanceof Error ? error.message : String(error)}`, log: '' });
    return;
  }
  const stop = new AbortController();
  running.set(id, stop);
  void executor.run(request, stop.signal).then((response) => {
    running.delete(id);
    reply(id, response);
  });
});
