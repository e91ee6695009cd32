import { roleRank, type Role } from '../../catalogue/roles';
import { isoNow, type Clock } from '../../shared/clock';
import { ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import type { OrgPrincipal } from '../../shared/http/types';
import { shortId } from '../../shared/ids';
import { apiKeyPrefixForDisplay, newApiKey } from '../api-key-format';
import type { ApiKeyRecord } from '../repositories/api-key-repository';
import type { IdentityStore } from '../repositories/identity-store';
import { sha256Hex } from '../tokens';
import { apiKeyView } from '../views';
import type { Actor } from './actor';

/** API keys: one organization each, a role no higher than their creator's, stored as a hash. */
export class ApiKeyService {
  constructor(
    private readonly store: IdentityStore,
    private readonly clock: Clock,
  ) {}

  list(principal: OrgPrincipal, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return this.store.apiKeys.list(principal.org_id, page);
  }

  /** The new key's record and its secret, which is never stored nor shown again. */
  async create(principal: OrgPrincipal, input: { name: string; role: Role; expires_at?: string | undefined }, actor: Actor): Promise<{ key: ApiKeyRecord; secret: string }> {
    if (roleRank(input.role) > roleRank(principal.role)) {
      throw new ForbiddenError(`an API key cannot have a role above its creator's (${principal.role})`);
    }
    const nowMs = this.clock.nowMs();
    let expiresAt: string | undefined;
    if (input.expires_at !== undefined) {
      const ms = Date.parse(input.expires_at);
      if (!(ms > nowMs)) throw new ValidationError([{ path: 'expires_at', message: 'must be in the future' }]);
      expiresAt = new Date(ms).toISOString();
    }
    const secret = newApiKey();
    const now = new Date(nowMs).toISOString();
    const key: ApiKeyRecord = {
      org_id: principal.org_id,
      key_id: shortId('key'),
      name: input.name,
      role: input.role,
      key_hash: sha256Hex(secret),
      key_prefix: apiKeyPrefixForDisplay(secret),
      created_by: principal.email,
      created_by_user_id: principal.user_id,
      created_at: now,
      ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    };
    await this.store.transact([
      this.store.apiKeys.put(key),
      this.store.audit.put({ ...actor, resource_type: 'api_key', resource_id: key.key_id, action: 'create', before: null, after: apiKeyView(key) }, now),
    ]);
    return { key, secret };
  }

  async revoke(principal: OrgPrincipal, keyId: string, actor: Actor): Promise<void> {
    const key = await this.store.apiKeys.get(principal.org_id, keyId);
    if (key === undefined) throw new NotFoundError('API key');
    const now = isoNow(this.clock);
    await this.store.transact([
      this.store.apiKeys.remove(principal.org_id, keyId),
      this.store.audit.put({ ...actor, resource_type: 'api_key', resource_id: keyId, action: 'delete', before: apiKeyView(key), after: null }, now),
    ]);
  }
}
