import { auditActor } from '../shared/audit/audit-log';
import { UnauthorizedError } from '../shared/errors';
import { parsePageQuery } from '../shared/http/pagination';
import { ORG_HEADER, orgPrincipal } from '../shared/http/principal';
import { created, noContent, ok } from '../shared/http/responses';
import type { ApiRequest, Operation, Principal } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { addMemberBody, createApiKeyBody, emptyBody, loginBody, orgBody, signupBody, updateMemberBody } from './schemas';
import type { AccessLogService } from './services/access-log-service';
import type { ApiKeyService } from './services/api-key-service';
import type { AuthService } from './services/auth-service';
import type { InvitationService } from './services/invitation-service';
import type { MemberService } from './services/member-service';
import type { OrganizationService } from './services/organization-service';
import type { ProfileService } from './services/profile-service';
import { accessLogView, apiKeyView, memberView, organizationView, userView } from './views';

export interface IdentityServices {
  auth: AuthService;
  profile: ProfileService;
  orgs: OrganizationService;
  members: MemberService;
  invitations: InvitationService;
  apiKeys: ApiKeyService;
  accessLogs: AccessLogService;
}

function principalOf(request: ApiRequest): Principal {
  if (request.principal === null) throw new UnauthorizedError();
  return request.principal;
}

/** The identity domain's HTTP adapter: parse, call the service, shape the response. */
export function identityOperations(s: IdentityServices): Record<string, Operation> {
  return {
    signup: async (request) => {
      const body = parseWith(signupBody, request.body);
      const out = await s.auth.signup(body, request.sourceIp);
      return created({ user: userView(out.user), organization: organizationView(out.organization), role: out.role, access_token: out.access_token });
    },
    login: async (request) => {
      const body = parseWith(loginBody, request.body);
      const out = await s.auth.login(body, request.sourceIp, request.headers[ORG_HEADER]);
      return ok({ user: userView(out.user), access_token: out.access_token, organizations: out.organizations });
    },
    logout: async (request) => {
      parseWith(emptyBody, request.body);
      await s.auth.logout(principalOf(request), request.headers.authorization, request.sourceIp);
      return noContent();
    },
    me: async (request) => {
      const p = await s.profile.me(principalOf(request));
      return ok({
        principal_type: p.principal_type,
        user: p.user === null ? null : userView(p.user),
        api_key: p.api_key === null ? null : apiKeyView(p.api_key),
        organization: p.organization === null ? null : organizationView(p.organization),
        role: p.role,
        organizations: p.organizations,
      });
    },
    getOrg: async (request) => {
      const principal = orgPrincipal(request.principal);
      return ok({ organization: organizationView(await s.orgs.get(principal)), role: principal.role });
    },
    updateOrg: async (request) => {
      const principal = orgPrincipal(request.principal);
      const body = parseWith(orgBody, request.body);
      return ok({ organization: organizationView(await s.orgs.rename(principal, body.name, auditActor(request))) });
    },
    createOrg: async (request) => {
      const body = parseWith(orgBody, request.body);
      const out = await s.orgs.create(principalOf(request), body.name, request.sourceIp);
      return created({ organization: organizationView(out.organization), role: out.role });
    },
    listMembers: async (request) => {
      const page = await s.members.list(orgPrincipal(request.principal), parsePageQuery(request.query));
      return ok({ items: page.items.map(memberView), next_cursor: page.next_cursor });
    },
    addMember: async (request) => {
      const principal = orgPrincipal(request.principal);
      const body = parseWith(addMemberBody, request.body);
      const { invitation, token } = await s.invitations.create(principal, body, auditActor(request));
      return created({ invitation, token, accept_path: `/v1/invitations/${token}/accept` });
    },
    listInvitations: async (request) => {
      return ok(await s.invitations.list(orgPrincipal(request.principal), parsePageQuery(request.query)));
    },
    revokeInvitation: async (request) => {
      await s.invitations.revoke(orgPrincipal(request.principal), request.pathParameters.invitation_id!, auditActor(request));
      return noContent();
    },
    acceptInvitation: async (request) => {
      parseWith(emptyBody, request.body);
      return created({ member: memberView(await s.invitations.accept(principalOf(request), request.pathParameters.token!, request.sourceIp)) });
    },
    updateMember: async (request) => {
      const principal = orgPrincipal(request.principal);
      const body = parseWith(updateMemberBody, request.body);
      return ok({ member: memberView(await s.members.changeRole(principal, request.pathParameters.user_id!, body.role, auditActor(request))) });
    },
    removeMember: async (request) => {
      await s.members.remove(orgPrincipal(request.principal), request.pathParameters.user_id!, auditActor(request));
      return noContent();
    },
    listApiKeys: async (request) => {
      const page = await s.apiKeys.list(orgPrincipal(request.principal), parsePageQuery(request.query));
      return ok({ items: page.items.map(apiKeyView), next_cursor: page.next_cursor });
    },
    createApiKey: async (request) => {
      const principal = orgPrincipal(request.principal);
      const body = parseWith(createApiKeyBody, request.body);
      const out = await s.apiKeys.create(principal, body, auditActor(request));
      return created({ api_key: apiKeyView(out.key), secret: out.secret });
    },
    revokeApiKey: async (request) => {
      await s.apiKeys.revoke(orgPrincipal(request.principal), request.pathParameters.key_id!, auditActor(request));
      return noContent();
    },
    listAccessLogs: async (request) => {
      const page = await s.accessLogs.list(orgPrincipal(request.principal), parsePageQuery(request.query));
      return ok({ items: page.items.map(accessLogView), next_cursor: page.next_cursor });
    },
  };
}
