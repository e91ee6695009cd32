import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LauncherMessage, LauncherRequest } from './process-launcher-protocol';
import { bundleProgram } from './bundle-program';
import { untrustedBase, untrustedEnv } from './untrusted-runtime';

/** A process started by the launcher. */
export interface LaunchedProcess {
  /** Each chunk of its stdout and stderr, as it comes. */
  onOutput(listener: (text: string) => void): void;
  /** Resolves once it has exited (code or signal) or could not start (error). */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: string }>;
  /** Sends a signal; false when it has already ended. */
  kill(signal: NodeJS.Signals): boolean;
}

export interface ProcessLauncher {
  spawn(command: string, args: string[], options: { cwd: string; env: Record<string, string>; user?: { uid: number; gid: number } | null }): LaunchedProcess;
  stop(): Promise<void>;
}

/**
 * Starts processes from a small helper process instead of the platform's (which hosts the gateway
 * and the AWS emulator): starting one blocks the caller until the child has exec'ed, and the
 * profile of the scale bench's burst showed 20 ECS containers costing the platform's event loop
 * ~14 s of blocking on a loaded machine. Output and exit come back over IPC.
 */
export async function startProcessLauncher(): Promise<ProcessLauncher> {
  const base = untrustedBase('dagy-launcher-');
  const dir = join(base, 'bin');
  mkdirSync(dir, { mode: 0o755 });
  const program = join(dir, 'process-launcher.mjs');
  await bundleProgram('local/process-launcher-main.ts', program);
  // Runs as the platform's user (it starts containers as the unprivileged one), with no more
  // environment than a tenant program gets: each request carries its child's environment.
  const launcher: ChildProcess = spawn(process.execPath, [program], { env: untrustedEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const live = new Map<number, { output: Array<(text: string) => void>; end: (result: { code: number | null; signal: NodeJS.Signals | null } | { error: string }) => void }>();
  let nextId = 1;
  let gone = false;
  launcher.on('message', (message: LauncherMessage) => {
    const entry = live.get(message.id);
    if (entry === undefined) return;
    if (message.kind === 'output') for (const l of entry.output) l(message.data);
    else {
      live.delete(message.id);
      entry.end(message.kind === 'exit' ? { code: message.code, signal: message.signal } : { error: message.message });
    }
    if (live.size === 0) {
      launcher.unref();
      launcher.channel?.unref();
    }
  });
  launcher.once('exit', (code, signal) => {
    gone = true;
    for (const entry of live.values()) entry.end({ error: `the process launcher ended (${code ?? signal})` });
    live.clear();
  });
  launcher.on('error', () => undefined);
  launcher.unref();
  launcher.channel?.unref();
  const send = (request: LauncherRequest) => {
    if (!gone && launcher.connected) launcher.send(request);
  };
  return {
    spawn(command, args, options) {
      const id = nextId++;
      const output: Array<(text: string) => void> = [];
      let ended = false;
      const result = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: string }>((resolve) => {
        live.set(id, {
          output,
          end: (r) => {
            ended = true;
            resolve(r);
          },
        });
      });
      if (gone) live.get(id)!.end({ error: 'the process launcher is not running' });
      else {
        launcher.ref();
        launcher.channel?.ref();
        send({ kind: 'spawn', id, command, args, cwd: options.cwd, env: options.env, ...(options.user ? { user: options.user } : {}) });
      }
      return {
        onOutput: (listener) => void output.push(listener),
        ended: result,
        kill(signal) {
          if (ended) return false;
          send({ kind: 'kill', id, signal });
          return true;
        },
      };
    },
    async stop() {
      if (!gone) {
        const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
        launcher.disconnect();
        // The limit's timer holds nothing open (a test worker that stopped its platform exits at once).
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
        if (!gone) launcher.kill('SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
