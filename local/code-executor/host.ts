import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAttemptResponse } from '../../lambdas/execution/code-executor/contract';
import { bundleProgram } from '../bundle-program';
import { hostPermissionFlags, privateDirFor, unprivilegedUser, untrustedBase, untrustedEnv } from '../untrusted-runtime';
/** An organization's executor process that served nothing for this long exits. */
const IDLE_EXIT_MS = 5 * 60_000;
const ORG_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface CodeExecutorHost {
  /** Runs one attempt in the organization's own executor process. */
  invoke(tenantId: string | undefined, payload: unknown, signal?: AbortSignal): Promise<CodeAttemptResponse>;
  /** Pids of the live executor processes by organization (attack tests look at them). */
  processes(): Map<string, number>;
  stop(): Promise<void>;
}

interface Pending {
  resolve: (response: CodeAttemptResponse) => void;
}

/** One organization's executor process. */
class OrgProcess {
  readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  dead = false;

  constructor(bundle: string, cacheDir: string, readable: string, asUser: { uid: number; gid: number } | null, onExit: () => void) {
    const env = untrustedEnv();
    // Permission model: read its bundle and its own cache only, write its cache only, start its
    // sandboxes (which run under their own, narrower permissions). It also turns the inspector off.
    this.child = spawn(process.execPath, [...hostPermissionFlags([readable], cacheDir), bundle, cacheDir], {
      env,
      cwd: cacheDir,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(asUser ?? {}),
    });
    this.child.on('message', (message: { kind?: unknown; id?: unknown; response?: unknown }) => {
      if (message.kind !== 'result' || typeof message.id !== 'number') return;
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.pending.delete(message.id);
      pending.resolve(message.response as CodeAttemptResponse);
      this.touch();
    });
    this.child.once('exit', (code, signal) => {
      this.dead = true;
      clearTimeout(this.idleTimer);
      const how = code !== null ? `exit code ${code}` : `signal ${signal ?? 'unknown'}`;
      for (const p of this.pending.values()) p.resolve({ ok: false, error: `the code executor process ended (${how}) before the attempt returned`, log: '' });
      this.pending.clear();
      onExit();
    });
    this.child.on('error', () => undefined);
    this.touch();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => this.kill(), IDLE_EXIT_MS);
    this.idleTimer.unref();
    this.child.unref();
    this.child.channel?.unref();
  }

  run(payload: unknown, signal?: AbortSignal): Promise<CodeAttemptResponse> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      clearTimeout(this.idleTimer);
      this.child.ref();
      this.child.channel?.ref();
      this.pending.set(id, { resolve });
      const onAbort = () => this.child.connected && this.child.send({ kind: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.child.send({ kind: 'run', id, request: payload }, (error) => {
        if (error === null) return;
        this.pending.delete(id);
        resolve({ ok: false, error: `cannot reach the code executor process: ${error.message}`, log: '' });
      });
    });
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }
}

/**
 * Hosts the code-executor function on the local platform: one process per organization (what
 * TenantId isolation gives in AWS), started from a bundle of the same code with an empty
 * environment — no AWS credentials, endpoints, table or bucket names, no platform key — under
 * Node's permission model, and as an unprivileged user when the platform runs as root, so that
 * task code cannot signal, debug or read the platform process. Task code reaches loopback
 * services like any local process: the local platform is a single-user development tool.
 */
export async function startCodeExecutorHost(): Promise<CodeExecutorHost> {
  const base = untrustedBase('dagy-code-executors-');
  const bundleDir = join(base, 'bin');
  mkdirSync(bundleDir, { mode: 0o755 });
  const bundle = join(bundleDir, 'code-executor.mjs');
  await bundleProgram('local/code-executor/process-main.ts', bundle);
  const asUser = unprivilegedUser();
  mkdirSync(join(base, 'orgs'), { mode: 0o711 });
  const orgs = new Map<string, OrgProcess>();

  const processFor = (orgId: string): OrgProcess => {
    const existing = orgs.get(orgId);
    if (existing !== undefined && !existing.dead) return existing;
    const cacheDir = privateDirFor(join(base, 'orgs', orgId), asUser);
    const created = new OrgProcess(bundle, cacheDir, bundleDir, asUser, () => {
      if (orgs.get(orgId) === created) orgs.delete(orgId);
    });
    orgs.set(orgId, created);
    return created;
  };

  return {
    async invoke(tenantId, payload, signal) {
      // As in AWS: a function with per-tenant isolation refuses an invocation without a tenant.
      if (tenantId === undefined || !ORG_ID.test(tenantId)) return { ok: false, error: 'the code executor needs a TenantId (the organization id)', log: '' };
      return processFor(tenantId).run(payload, signal);
    },
    processes: () => new Map([...orgs].filter(([, p]) => !p.dead && p.child.pid !== undefined).map(([org, p]) => [org, p.child.pid!])),
    async stop() {
      for (const p of orgs.values()) p.kill();
      orgs.clear();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
