import type { Role } from '../../catalogue/roles';
import { isoNow, type Clock } from '../../shared/clock';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../shared/errors';
import type { OrgPrincipal, Principal } from '../../shared/http/types';
import { uuidv7 } from '../../shared/ids';
import type { IdentityStore } from '../repositories/identity-store';
import type { OrganizationRecord } from '../repositories/organization-repository';
import { organizationView } from '../views';
import type { Actor } from './actor';

/** Organizations: read and rename the selected one, create another owned by the caller. */
export class OrganizationService {
  constructor(
    private readonly store: IdentityStore,
    private readonly clock: Clock,
  ) {}

  async get(principal: OrgPrincipal): Promise<OrganizationRecord> {
    const org = await this.store.orgs.get(principal.org_id);
    if (org === undefined) throw new NotFoundError('organization');
    return org;
  }

  async rename(principal: OrgPrincipal, name: string, actor: Actor): Promise<OrganizationRecord> {
    const before = await this.get(principal);
    const now = isoNow(this.clock);
    const after: OrganizationRecord = { ...before, name, updated_at: now };
    await this.store.transact([
      this.store.orgs.rename(principal.org_id, name, now),
      this.store.audit.put(
        { ...actor, resource_type: 'organization', resource_id: principal.org_id, action: 'update', before: organizationView(before), after: organizationView(after) },
        now,
      ),
    ]);
    return after;
  }

  /** Another organization, owned by the calling user, with its default environments. */
  async create(principal: Principal, name: string, ipAddress: string): Promise<{ organization: OrganizationRecord; role: Role }> {
    if (principal.principal_type !== 'user') throw new ForbiddenError('an API key belongs to one organization and cannot create others');
    const user = await this.store.users.get(principal.user_id);
    if (user === undefined) throw new UnauthorizedError('invalid credentials: unknown');
    const now = isoNow(this.clock);
    const org_id = uuidv7(this.clock.nowMs());
    const organization: OrganizationRecord = { org_id, name, created_by: user.email, created_at: now, updated_at: now, owner_count: 1 };
    await this.store.transact([
      ...this.store.orgs.putNew(organization),
      this.store.members.put({ org_id, user_id: user.user_id, email: user.email, name: user.name, role: 'owner', created_at: now, updated_at: now }),
      this.store.users.setOrgRole(user.user_id, org_id, 'owner', now, () => new UnauthorizedError('invalid credentials: unknown')),
      this.store.audit.put(
        {
          org_id,
          resource_type: 'organization',
          resource_id: org_id,
          action: 'create',
          actor_email: user.email,
          before: null,
          after: { ...organizationView(organization), owner: user.user_id },
          ip_address: ipAddress,
        },
        now,
      ),
    ]);
    return { organization, role: 'owner' };
  }
}
