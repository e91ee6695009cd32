import type { Role } from '../catalogue/roles';
import type { AccessLogRecord } from '../shared/http/access-log';
import type { ApiKeyRecord } from './repositories/api-key-repository';
import type { InvitationRecord } from './repositories/invitation-repository';
import type { MembershipRecord } from './repositories/membership-repository';
import type { OrganizationRecord } from './repositories/organization-repository';
import type { UserRecord } from './repositories/user-repository';

/** What the API shows of each entity: never hashes, never internal counters or mirrors. */

export const userView = (u: UserRecord) => ({ user_id: u.user_id, email: u.email, name: u.name, created_at: u.created_at });

export const organizationView = (o: OrganizationRecord) => ({ org_id: o.org_id, name: o.name, created_at: o.created_at, updated_at: o.updated_at });

export const orgMembershipView = (o: OrganizationRecord, role: Role) => ({ org_id: o.org_id, name: o.name, role });

export const memberView = (m: MembershipRecord) => ({
  org_id: m.org_id,
  user_id: m.user_id,
  email: m.email,
  name: m.name,
  role: m.role,
  created_at: m.created_at,
  updated_at: m.updated_at,
});

/** An invitation as admins see it: never its token or the token's hash. */
export const invitationView = (i: InvitationRecord, nowMs: number) => ({
  invitation_id: i.invitation_id,
  org_id: i.org_id,
  email: i.email,
  role: i.role,
  invited_by: i.invited_by,
  created_at: i.created_at,
  expires_at: i.expires_at,
  status: i.expires_at_epoch * 1000 > nowMs ? ('pending' as const) : ('expired' as const),
});

export const apiKeyView = (k: ApiKeyRecord) => ({
  key_id: k.key_id,
  name: k.name,
  role: k.role,
  prefix: k.key_prefix,
  created_by: k.created_by,
  created_at: k.created_at,
  expires_at: k.expires_at ?? null,
  last_used_at: k.last_used_at ?? null,
});

export const accessLogView = (r: AccessLogRecord) => ({
  request_id: r.request_id,
  request_time: r.request_time,
  principal_type: r.principal_type,
  principal_id: r.principal_id,
  actor_email: r.actor_email,
  method: r.method,
  route: r.route,
  path: r.path,
  status: r.status,
  ip_address: r.ip_address,
  user_agent: r.user_agent,
  latency_ms: r.latency_ms,
});
