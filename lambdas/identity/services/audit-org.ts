import type { Role } from '../../catalogue/roles';

/**
 * The organization whose audit trail records a session event (login, logout) of a user, who may
 * belong to several: the one the request selected if the user is a member, else the user's only
 * or first organization (stable order), else none (a user with no organization has no tenant trail).
 */
export function sessionAuditOrg(orgRoles: Record<string, Role>, selected: string | null | undefined): string | null {
  if (selected && orgRoles[selected] !== undefined) return selected;
  const ids = Object.keys(orgRoles).sort();
  return ids[0] ?? null;
}
