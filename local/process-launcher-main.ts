import { spawn, type ChildProcess } from 'node:child_process';
import type { LauncherMessage, LauncherRequest } from './process-launcher-protocol';

/*
 * The program of the local platform's process launcher (local/process-launcher.ts): starts the
 * processes it is asked to and reports their output and exit over IPC. Starting a process blocks
 * the caller until the child has exec'ed, which on a loaded machine took the platform's event loop
 * hundreds of milliseconds per ECS container; here it blocks only this small process.
 */
if (process.send === undefined) {
  process.stderr.write('usage: node process-launcher.mjs (with an IPC channel)\n');
  process.exit(2);
}
const send = (message: LauncherMessage) => {
  if (process.connected) process.send?.(message);
};
const children = new Map<number, ChildProcess>();
// The platform going away ends every process this one started, then this one.
process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(0);
});

process.on('message', (request: LauncherRequest) => {
  if (request.kind === 'kill') {
    children.get(request.id)?.kill(request.signal);
    return;
  }
  const { id } = request;
  let child: ChildProcess;
  try {
    child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(request.user ?? {}),
    });
  } catch (error) {
    send({ kind: 'error', id, message: error instanceof Error ? error.message : String(error) });
    return;
  }
  children.set(id, child);
  const output = (chunk: Buffer) => send({ kind: 'output', id, data: chunk.toString('utf8') });
  child.stdout?.on('data', output);
  child.stderr?.on('data', output);
  child.once('error', (error) => {
    children.delete(id);
    send({ kind: 'error', id, message: error.message });
  });
  // 'close': the exit and the last of the output, in that order for the parent.
  child.once('close', (code, signal) => {
    children.delete(id);
    send({ kind: 'exit', id, code, signal });
  });
});
