import { ROLES, roleHasPermission, roleRank, type Role } from '../../../lambdas/catalogue/roles';

// What the organization pages offer to change or remove, per role. The API decides (see
// lambdas/identity/services/member-service.ts and invitation-service.ts); these rules only keep
// the console from offering what it would refuse.

export interface MemberRow {
  user_id: string;
  role: Role;
}

export interface MemberOffers {
  remove: boolean;
  /** The roles the member may be given instead of theirs; empty: no role change offered. */
  roles: Role[];
}

const NONE: MemberOffers = { remove: false, roles: [] };

/**
 * A manager changes or removes members up to their own role and grants roles up to their own.
 * The last owner can be neither removed nor demoted, whoever asks (themselves included).
 * `ownerCount` counts the owners among the listed members.
 */
export function memberOffers(member: MemberRow, me: { user_id: string | null; role: Role | null }, ownerCount: number): MemberOffers {
  if (me.role === null || !roleHasPermission(me.role, 'members:manage')) return NONE;
  if (roleRank(member.role) > roleRank(me.role)) return NONE;
  const lastOwner = member.role === 'owner' && ownerCount <= 1;
  if (lastOwner) return NONE;
  const myRank = roleRank(me.role);
  return { remove: true, roles: ROLES.filter((r) => r !== member.role && roleRank(r) <= myRank) };
}

/** The owners among the members listed. */
export function ownersIn(members: ReadonlyArray<{ role: Role }>): number {
  return members.filter((m) => m.role === 'owner').length;
}

/** An invitation can be revoked by a manager whose role is at least the invitation's. */
export function mayRevokeInvitation(invitationRole: Role, myRole: Role | null): boolean {
  return myRole !== null && roleHasPermission(myRole, 'members:manage') && roleRank(invitationRole) <= roleRank(myRole);
}

/** A secret's path with its scope (the API keys a secret by name and environment). */
export function secretPath(secretName: string, environment: string | null): string {
  const base = `/v1/secrets/${encodeURIComponent(secretName)}`;
  return environment === null ? base : `${base}?environment=${encodeURIComponent(environment)}`;
}

/** The body that flips a schedule or sensor, pinned to the version the user saw (a 409/412 if it changed since). */
export function toggleBody(item: { enabled: boolean; version: number }): { enabled: boolean; version: number } {
  return { enabled: !item.enabled, version: item.version };
}
