import { chmodSync, chownSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxNodeFlags } from '../lambdas/execution/code-executor/task-sandbox';

/*
 * Where the local platform runs programs that execute tenant code (the code executors, the ECS
 * runner containers): bundled (plain node, no loader reading the project), from a directory any
 * user can read, as an unprivileged user when the platform runs as root, with an environment that
 * holds nothing of the platform's.
 */

/** nobody/nogroup: a process running as it cannot signal, debug or read the platform (root). */
const UNPRIVILEGED_ID = 65534;

export function unprivilegedUser(): { uid: number; gid: number } | null {
  return process.getuid?.() === 0 ? { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID } : null;
}

/** A fresh directory readable (not writable) by every user, for bundles and per-tenant folders. */
export function untrustedBase(prefix: string): string {
  const base = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(base, 0o755);
  return base;
}

/** A directory owned by the unprivileged user (when there is one), private to it. */
export function privateDirFor(path: string, user: { uid: number; gid: number } | null): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (user !== null) chownSync(path, user.uid, user.gid);
  return path;
}


/** Variables a program running tenant code may see: locale, time zone, PATH. */
export function untrustedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['TZ', 'LANG', 'LC_ALL', 'PATH'] as const) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

/**
 * Node options for a program that hosts sandboxes: the permission model (which also keeps its
 * inspector off), reading `readable` directories only, writing `writable` only, starting child
 * processes (its sandboxes, which run under narrower permissions of their own).
 */
export function hostPermissionFlags(readable: string[], writable: string): string[] {
  const [permission] = sandboxNodeFlags(process.versions.node, writable);
  // One flag per path: Node 20.20 no longer splits a comma-separated list.
  return [
    permission!,
    ...[...readable, writable].map((d) => `--allow-fs-read=${d}/*`),
    `--allow-fs-write=${writable}/*`,
    '--allow-child-process',
    // The permission model's warnings would land in task logs of every attempt.
    '--no-warnings',
  ];
}
