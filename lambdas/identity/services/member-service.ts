import type { PlanLimitCheck } from '../../billing/plan-limit-check';
import { roleRank, type Role } from '../../catalogue/roles';
import { isoNow, type Clock } from '../../shared/clock';
import { ConflictError, ForbiddenError, NotFoundError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import type { OrgPrincipal } from '../../shared/http/types';
import type { IdentityStore } from '../repositories/identity-store';
import type { MembershipRecord } from '../repositories/membership-repository';
import type { UserRecord } from '../repositories/user-repository';
import type { TxOp } from '../../shared/dynamo/transact';
import { memberView } from '../views';
import type { Actor } from './actor';

// TransactWriteItems takes 100 items; the membership change itself needs at most 5.
const MAX_KEYS_PER_CHANGE = 90;

/**
 * Memberships. A manager can neither grant a role above their own nor touch a member who
 * outranks them; the organization's owner count moves in the same transaction as every change
 * of an owner, so the last owner can never be removed or demoted. A member's API keys follow
 * them in the same transaction: capped to a lowered role, revoked with the membership, so a key
 * is never above its creator's role.
 */
export class MemberService {
  constructor(
    private readonly store: IdentityStore,
    private readonly clock: Clock,
    private readonly planLimits: PlanLimitCheck,
  ) {}

  list(principal: OrgPrincipal, page: PageRequest): Promise<Page<MembershipRecord>> {
    return this.store.members.list(principal.org_id, page);
  }

  assertMayGrant(principal: OrgPrincipal, role: Role): void {
    if (roleRank(role) > roleRank(principal.role)) throw new ForbiddenError(`you cannot grant a role above your own (${principal.role})`);
  }

  private async existing(principal: OrgPrincipal, userId: string): Promise<MembershipRecord> {
    const member = await this.store.members.get(principal.org_id, userId);
    if (member === undefined) throw new NotFoundError('member');
    if (roleRank(member.role) > roleRank(principal.role)) throw new ForbiddenError(`you cannot change a member whose role (${member.role}) is above yours`);
    return member;
  }

  /** 402 when the organization's plan has no room for another member (the early check at invite; join decides). */
  assertRoomForMember(orgId: string): Promise<void> {
    return this.planLimits.assertRoomFor(orgId, 'members', () => this.store.members.countForOrg(orgId));
  }

  /**
   * Makes a registered user a member with `role`: the membership, the user's role mirror, the
   * owner count and the audit record, plus `extra` (the accepted invitation's removal), all in
   * one transaction. Reached only through an accepted invitation (invitation-service.ts).
   */
  async join(orgId: string, user: UserRecord, role: Role, actor: Actor, extra: { ops: TxOp[]; audit: Record<string, unknown> }): Promise<MembershipRecord> {
    const now = isoNow(this.clock);
    const member: MembershipRecord = { org_id: orgId, user_id: user.user_id, email: user.email, name: user.name, role, created_at: now, updated_at: now };
    const ops: TxOp[] = [
      this.store.members.put(member),
      this.store.users.setOrgRole(user.user_id, orgId, role, now, () => new NotFoundError('user')),
      ...extra.ops,
    ];
    if (role === 'owner') ops.push(this.store.orgs.addOwner(orgId));
    ops.push(this.store.audit.put({ ...actor, resource_type: 'member', resource_id: user.user_id, action: 'create', before: null, after: { ...memberView(member), ...extra.audit } }, now));
    // Within the plan's member cap, atomically with the membership (402 plan_limit_exceeded, nothing written).
    await this.planLimits.addWithin(orgId, 'members', () => this.store.members.countForOrg(orgId), (limitOps) => this.store.transact([...ops, ...limitOps]));
    return member;
  }

  private async keysOf(orgId: string, userId: string, keep: (keyRole: Role) => boolean) {
    const keys = (await this.store.apiKeys.listByCreator(orgId, userId)).filter((k) => !keep(k.role));
    if (keys.length > MAX_KEYS_PER_CHANGE) {
      throw new ConflictError(`this member created ${keys.length} API keys; revoke some before changing the membership`, 'too_many_keys');
    }
    return keys;
  }

  async changeRole(principal: OrgPrincipal, userId: string, role: Role, actor: Actor): Promise<MembershipRecord> {
    const before = await this.existing(principal, userId);
    this.assertMayGrant(principal, role);
    const capped = await this.keysOf(principal.org_id, userId, (keyRole) => roleRank(keyRole) <= roleRank(role));
    const now = isoNow(this.clock);
    const after: MembershipRecord = { ...before, role, updated_at: now };
    const ops: TxOp[] = [
      this.store.members.changeRole(principal.org_id, userId, before.role, role, now),
      this.store.users.setOrgRole(userId, principal.org_id, role, now, () => new NotFoundError('member')),
      ...capped.map((k) => this.store.apiKeys.capRole(principal.org_id, k.key_id, role)),
    ];
    if (before.role === 'owner' && role !== 'owner') ops.push(this.store.orgs.removeOwner(principal.org_id));
    if (before.role !== 'owner' && role === 'owner') ops.push(this.store.orgs.addOwner(principal.org_id));
    const auditAfter = { ...memberView(after), capped_keys: capped.map((k) => k.key_id) };
    ops.push(this.store.audit.put({ ...actor, resource_type: 'member', resource_id: userId, action: 'update', before: memberView(before), after: auditAfter }, now));
    await this.store.transact(ops);
    return after;
  }

  async remove(principal: OrgPrincipal, userId: string, actor: Actor): Promise<void> {
    const before = await this.existing(principal, userId);
    const revoked = await this.keysOf(principal.org_id, userId, () => false);
    const now = isoNow(this.clock);
    const ops: TxOp[] = [
      this.store.members.remove(principal.org_id, userId, before.role),
      this.store.users.removeOrgRole(userId, principal.org_id, now),
      ...revoked.map((k) => ({
        ...this.store.apiKeys.remove(principal.org_id, k.key_id),
        onConditionFailed: () => new ConflictError('an API key changed concurrently; retry', 'concurrent_change'),
      })),
    ];
    if (before.role === 'owner') ops.push(this.store.orgs.removeOwner(principal.org_id));
    const auditBefore = { ...memberView(before), revoked_keys: revoked.map((k) => k.key_id) };
    ops.push(this.store.audit.put({ ...actor, resource_type: 'member', resource_id: userId, action: 'delete', before: auditBefore, after: null }, now));
    await this.store.transact(ops);
  }
}
