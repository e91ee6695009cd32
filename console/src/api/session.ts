import type { Role } from './types';

/** What the browser keeps between page loads: the bearer credential and the chosen organization. */
export interface Session {
  token: string;
  kind: 'password' | 'api_key';
  /** Sent as x-dagy-org for user tokens; null for API keys (a key belongs to one organization). */
  org_id: string | null;
  label: string;
  role: Role | null;
}

const KEY = 'dagy.session';
const listeners = new Set<() => void>();

export function loadSession(): Session | null {
  const raw = localStorage.getItem(KEY);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((l) => l());
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
