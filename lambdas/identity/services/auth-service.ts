import type { Role } from '../../catalogue/roles';
import { epochSeconds, isoNow, type Clock } from '../../shared/clock';
import { BadRequestError, ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../../shared/errors';
import type { Principal } from '../../shared/http/types';
import { shortId, uuidv7 } from '../../shared/ids';
import { bearerSecret } from '../credential-resolver';
import { normalizeEmail } from '../emails';
import type { IdentitySettings } from '../identity-config';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../passwords';
import type { AccessTokenRecord } from '../repositories/access-token-repository';
import type { IdentityStore } from '../repositories/identity-store';
import type { OrganizationRecord } from '../repositories/organization-repository';
import type { UserRecord } from '../repositories/user-repository';
import { newAccessToken, sha256Hex } from '../tokens';
import { organizationView, userView } from '../views';
import { sessionAuditOrg } from './audit-org';

export interface IssuedToken {
  token: string;
  token_type: 'Bearer';
  expires_at: string;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  org_name: string;
}

export interface SignupResult {
  user: UserRecord;
  organization: OrganizationRecord;
  role: Role;
  access_token: IssuedToken;
}

const INVALID_LOGIN = 'invalid email or password';

/** Accounts and sessions: signup, login (throttled per email and per source address), logout, who-am-I. */
export class AuthService {
  constructor(
    private readonly store: IdentityStore,
    private readonly clock: Clock,
    private readonly settings: IdentitySettings,
  ) {}

  private newToken(userId: string): { issued: IssuedToken; record: AccessTokenRecord } {
    const token = newAccessToken(userId);
    const nowMs = this.clock.nowMs();
    const expiresMs = nowMs + this.settings.accessTokenTtlSeconds * 1000;
    const expires_at = new Date(expiresMs).toISOString();
    return {
      issued: { token, token_type: 'Bearer', expires_at },
      record: {
        token_hash: sha256Hex(token),
        token_id: shortId('at'),
        user_id: userId,
        created_at: new Date(nowMs).toISOString(),
        expires_at,
        expires_at_epoch: Math.ceil(expiresMs / 1000),
      },
    };
  }

  /** A user, their organization (they own it, with its default environments) and a token: all or nothing. */
  async signup(input: SignupInput, ipAddress: string): Promise<SignupResult> {
    if (!this.settings.signupEnabled) {
      throw new ForbiddenError('signup is turned off on this platform; an admin of an organization can add you as a member');
    }
    return this.createAccount(input, ipAddress, false);
  }

  /**
   * The platform's first owner, created once by an operator (a direct invocation of the identity
   * function, see docs/operations.md) whether or not signup is open; the second call is a 409.
   */
  async bootstrap(input: SignupInput): Promise<SignupResult> {
    return this.createAccount(input, 'bootstrap', true);
  }

  private async createAccount(input: SignupInput, ipAddress: string, bootstrap: boolean): Promise<SignupResult> {
    const email = normalizeEmail(input.email);
    const password_hash = await hashPassword(input.password);
    const now = isoNow(this.clock);
    const user_id = uuidv7(this.clock.nowMs());
    const org_id = uuidv7(this.clock.nowMs());
    const user: UserRecord = { user_id, email, name: input.name, org_roles: { [org_id]: 'owner' }, created_at: now, updated_at: now };
    const organization: OrganizationRecord = { org_id, name: input.org_name, created_by: email, created_at: now, updated_at: now, owner_count: 1 };
    const { issued, record } = this.newToken(user_id);
    const { users, orgs, members, tokens, audit } = this.store;
    await this.store.transact([
      ...(bootstrap ? [users.putBootstrapMarker(user_id, email, now)] : []),
      ...users.putNewUser(user, { email, user_id, password_hash, created_at: now }),
      ...orgs.putNew(organization),
      members.put({ org_id, user_id, email, name: input.name, role: 'owner', created_at: now, updated_at: now }),
      tokens.put(record),
      audit.put(
        {
          org_id,
          resource_type: 'user',
          resource_id: user_id,
          action: 'create',
          actor_email: email,
          before: null,
          after: { user: userView(user), organization: organizationView(organization), role: 'owner' },
          ip_address: ipAddress,
        },
        now,
      ),
    ]);
    return { user, organization, role: 'owner', access_token: issued };
  }

  /**
   * A known email with a wrong password and an unknown email answer the same 401 after the same
   * work (two counter writes, one read, one scrypt). Each attempt is counted atomically BEFORE the
   * password is checked, per email and per source address: once either counter is full, the next
   * attempts answer 429 until its window ends, however many arrive in parallel. A successful login
   * clears the email's counter and gives its attempt back to the source's.
   */
  async login(
    input: { email: string; password: string },
    ipAddress: string,
    selectedOrg: string | undefined,
  ): Promise<{ user: UserRecord; access_token: IssuedToken; organizations: Array<{ org_id: string; name: string; role: Role }> }> {
    const email = normalizeEmail(input.email);
    const nowEpoch = epochSeconds(this.clock);
    const { users } = this.store;
    const window = this.settings.loginLockoutSeconds;
    const byEmail = await users.takeAttempt({ email }, nowEpoch, window, this.settings.loginMaxFailures);
    if (!byEmail.taken) {
      throw new TooManyRequestsError('too many failed logins for this email; try again later', Math.max(1, byEmail.windowEndsEpoch - nowEpoch));
    }
    const bySource = await users.takeAttempt({ source: ipAddress }, nowEpoch, window, this.settings.loginMaxFailuresPerSource);
    if (!bySource.taken) {
      await users.releaseAttempt({ email }, nowEpoch);
      throw new TooManyRequestsError('too many failed logins from this address; try again later', Math.max(1, bySource.windowEndsEpoch - nowEpoch));
    }
    const credential = await users.getCredential(email);
    const matches = credential ? await verifyPassword(input.password, credential.password_hash) : await verifyAgainstDummy(input.password);
    // A failure keeps both attempts counted.
    if (!matches || credential === undefined) throw new UnauthorizedError(INVALID_LOGIN);
    await Promise.all([users.clearAttempts({ email }), users.releaseAttempt({ source: ipAddress }, nowEpoch)]);
    const user = await this.store.users.get(credential.user_id);
    if (user === undefined) throw new UnauthorizedError(INVALID_LOGIN);

    const { issued, record } = this.newToken(user.user_id);
    const auditOrg = sessionAuditOrg(user.org_roles, selectedOrg);
    const ops = [this.store.tokens.put(record)];
    if (auditOrg !== null) {
      ops.push(
        this.store.audit.put(
          {
            org_id: auditOrg,
            resource_type: 'access_token',
            resource_id: record.token_id,
            action: 'login',
            actor_email: user.email,
            before: null,
            after: { id: record.token_id, user_id: user.user_id, expires_at: record.expires_at },
            ip_address: ipAddress,
          },
          isoNow(this.clock),
        ),
      );
    }
    await this.store.transact(ops);
    const organizations = await this.store.orgs.getMany(Object.keys(user.org_roles));
    return {
      user,
      access_token: issued,
      organizations: organizations.map((o) => ({ org_id: o.org_id, name: o.name, role: user.org_roles[o.org_id]! })),
    };
  }

  /** Revokes the access token that authenticated this request. */
  async logout(principal: Principal, authorization: string | undefined, ipAddress: string): Promise<void> {
    if (principal.principal_type !== 'user') {
      throw new BadRequestError('logout ends access-token sessions; revoke an API key with DELETE /v1/api-keys/{key_id}', 'not_a_session');
    }
    const secret = bearerSecret(authorization);
    if (secret === null) throw new UnauthorizedError();
    const tokenHash = sha256Hex(secret);
    const [token, user] = await Promise.all([this.store.tokens.get(tokenHash), this.store.users.get(principal.user_id)]);
    if (token === undefined || user === undefined || token.user_id !== principal.user_id) throw new UnauthorizedError('invalid credentials: unknown');
    const now = isoNow(this.clock);
    const ops = [this.store.tokens.revoke(tokenHash, principal.user_id, now)];
    const auditOrg = sessionAuditOrg(user.org_roles, principal.org_id);
    if (auditOrg !== null) {
      ops.push(
        this.store.audit.put(
          {
            org_id: auditOrg,
            resource_type: 'access_token',
            resource_id: token.token_id,
            action: 'logout',
            actor_email: user.email,
            before: { id: token.token_id, expires_at: token.expires_at, revoked_at: null },
            after: { id: token.token_id, expires_at: token.expires_at, revoked_at: now },
            ip_address: ipAddress,
          },
          now,
        ),
      );
    }
    await this.store.transact(ops);
  }
}
