/** Platform → launcher. */
export type LauncherRequest =
  | { kind: 'spawn'; id: number; command: string; args: string[]; cwd: string; env: Record<string, string>; user?: { uid: number; gid: number } }
  | { kind: 'kill'; id: number; signal: NodeJS.Signals };

/** Launcher → platform. */
export type LauncherMessage =
  | { kind: 'output'; id: number; data: string }
  | { kind: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'error'; id: number; message: string };
