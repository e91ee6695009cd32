import type { Role } from '../../catalogue/roles';
import { UnauthorizedError } from '../../shared/errors';
import type { Principal } from '../../shared/http/types';
import type { ApiKeyRecord } from '../repositories/api-key-repository';
import type { IdentityStore } from '../repositories/identity-store';
import type { OrganizationRecord } from '../repositories/organization-repository';
import type { UserRecord } from '../repositories/user-repository';

export interface Profile {
  principal_type: 'user' | 'api_key';
  user: UserRecord | null;
  api_key: ApiKeyRecord | null;
  organization: OrganizationRecord | null;
  role: Role | null;
  organizations: Array<{ org_id: string; name: string; role: Role }>;
}

/** Who the caller is: the user (or API key), the selected organization and role. */
export class ProfileService {
  constructor(private readonly store: IdentityStore) {}

  async me(principal: Principal): Promise<Profile> {
    if (principal.principal_type === 'api_key') {
      const orgId = principal.org_id;
      const [key, org] = orgId === null ? [undefined, undefined] : await Promise.all([this.store.apiKeys.get(orgId, principal.principal_id), this.store.orgs.get(orgId)]);
      if (key === undefined || org === undefined) throw new UnauthorizedError('invalid credentials: unknown');
      return {
        principal_type: 'api_key',
        user: null,
        api_key: key,
        organization: org,
        role: principal.role,
        organizations: [{ org_id: org.org_id, name: org.name, role: key.role }],
      };
    }
    const user = await this.store.users.get(principal.user_id);
    if (user === undefined) throw new UnauthorizedError('invalid credentials: unknown');
    const orgs = await this.store.orgs.getMany(Object.keys(user.org_roles));
    return {
      principal_type: 'user',
      user,
      api_key: null,
      organization: orgs.find((o) => o.org_id === principal.org_id) ?? null,
      role: principal.role,
      organizations: orgs.map((o) => ({ org_id: o.org_id, name: o.name, role: user.org_roles[o.org_id]! })),
    };
  }
}
