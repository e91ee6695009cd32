import type { Role } from '../catalogue/roles';
import type { Clock } from '../shared/clock';
import type { AuthorizerContext } from '../shared/http/types';
import { API_KEY_PREFIX, hasValidApiKeyChecksum } from './api-key-format';
import type { ApiKeyRepository } from './repositories/api-key-repository';
import type { SessionStore } from './repositories/session-store';
import { ACCESS_TOKEN_PREFIX, accessTokenUserId, sha256Hex } from './tokens';

/** An API key's last_used_at is written at most once per this interval. */
export const LAST_USED_INTERVAL_MS = 60_000;

export type Denial = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

const anonymous = (denial: Denial): AuthorizerContext => ({
  principal_type: 'anonymous',
  denial,
  principal_id: '',
  email: '',
  user_id: '',
  orgs: '{}',
});

/** The secret of an `Authorization: Bearer <secret>` header, or null when absent or another scheme. */
export function bearerSecret(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  return m === null ? null : m[1]!;
}

/**
 * Resolves a bearer secret to the authorizer context with one DynamoDB read: an access token with
 * its user in one BatchGetItem, an API key by one Query of the by-hash index. Malformed secrets
 * (wrong prefix, bad checksum) are refused without any read.
 */
export class CredentialResolver {
  constructor(
    private readonly sessions: SessionStore,
    private readonly apiKeys: ApiKeyRepository,
    private readonly clock: Clock,
  ) {}

  async resolve(authorization: string | undefined): Promise<AuthorizerContext> {
    if (authorization === undefined || authorization.trim() === '') return anonymous('missing');
    const secret = bearerSecret(authorization);
    if (secret === null) return anonymous('malformed');
    if (secret.startsWith(ACCESS_TOKEN_PREFIX)) return this.resolveAccessToken(secret);
    if (secret.startsWith(API_KEY_PREFIX)) return this.resolveApiKey(secret);
    return anonymous('malformed');
  }

  private async resolveAccessToken(secret: string): Promise<AuthorizerContext> {
    const userId = accessTokenUserId(secret);
    if (userId === null) return anonymous('malformed');
    const { token, user } = await this.sessions.load(sha256Hex(secret), userId);
    // The user id in the token is only a lookup hint: the stored item must agree with it.
    if (token === undefined || user === undefined || token.user_id !== userId) return anonymous('unknown');
    if (token.revoked_at !== undefined) return anonymous('revoked');
    // TTL deletion lags by up to days, so expiry is checked here on every use.
    if (token.expires_at_epoch * 1000 <= this.clock.nowMs()) return anonymous('expired');
    return {
      principal_type: 'user',
      principal_id: user.user_id,
      email: user.email,
      user_id: user.user_id,
      orgs: JSON.stringify(user.org_roles),
    };
  }

  private async resolveApiKey(secret: string): Promise<AuthorizerContext> {
    if (!hasValidApiKeyChecksum(secret)) return anonymous('malformed');
    const key = await this.apiKeys.findByHash(sha256Hex(secret));
    if (key === undefined) return anonymous('unknown');
    const now = this.clock.nowMs();
    if (key.expires_at !== undefined && Date.parse(key.expires_at) <= now) return anonymous('expired');
    const lastUsed = key.last_used_at === undefined ? 0 : Date.parse(key.last_used_at);
    if (now - lastUsed >= LAST_USED_INTERVAL_MS) {
      await this.apiKeys.touchLastUsed(key.org_id, key.key_id, new Date(now).toISOString(), new Date(now - LAST_USED_INTERVAL_MS).toISOString());
    }
    const orgs: Record<string, Role> = { [key.org_id]: key.role };
    return {
      principal_type: 'api_key',
      principal_id: key.key_id,
      email: key.created_by,
      user_id: key.created_by_user_id,
      orgs: JSON.stringify(orgs),
    };
  }
}
