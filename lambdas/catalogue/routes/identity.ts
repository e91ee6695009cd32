import type { RouteDef } from './types';

// Identity bodies are small: a few short strings each.
const SMALL = 8 * 1024;

export const IDENTITY_ROUTES: RouteDef[] = [
  { method: 'POST', path: '/v1/auth/signup', domain: 'identity', operation: 'signup', permission: 'public', summary: 'Create a user, their organization (as owner) and an access token', maxBodyBytes: SMALL },
  { method: 'POST', path: '/v1/auth/login', domain: 'identity', operation: 'login', permission: 'public', summary: 'Exchange email and password for an access token', maxBodyBytes: SMALL },
  { method: 'POST', path: '/v1/auth/logout', domain: 'identity', operation: 'logout', permission: 'self:write', summary: 'Revoke the access token of this request', maxBodyBytes: SMALL },
  { method: 'GET', path: '/v1/me', domain: 'identity', operation: 'me', permission: 'self:read', summary: 'The caller (user or API key), its organization and role' },
  { method: 'GET', path: '/v1/org', domain: 'identity', operation: 'getOrg', permission: 'org:read', summary: 'The selected organization' },
  { method: 'PATCH', path: '/v1/org', domain: 'identity', operation: 'updateOrg', permission: 'org:manage', summary: 'Rename the selected organization', maxBodyBytes: SMALL },
  { method: 'POST', path: '/v1/orgs', domain: 'identity', operation: 'createOrg', permission: 'org:create', summary: 'Create another organization with the caller as owner', maxBodyBytes: SMALL },
  { method: 'GET', path: '/v1/members', domain: 'identity', operation: 'listMembers', permission: 'members:read', summary: 'Members of the organization (paginated)' },
  { method: 'POST', path: '/v1/members', domain: 'identity', operation: 'addMember', permission: 'members:manage', summary: 'Invite someone by email with a role: an invitation whose token is in this response only', maxBodyBytes: SMALL },
  { method: 'PATCH', path: '/v1/members/{user_id}', domain: 'identity', operation: 'updateMember', permission: 'members:manage', summary: "Change a member's role", maxBodyBytes: SMALL },
  { method: 'DELETE', path: '/v1/members/{user_id}', domain: 'identity', operation: 'removeMember', permission: 'members:manage', summary: 'Remove a member from the organization' },
  { method: 'GET', path: '/v1/api-keys', domain: 'identity', operation: 'listApiKeys', permission: 'api_keys:read', summary: 'API keys of the organization (paginated; secrets never shown)' },
  { method: 'POST', path: '/v1/api-keys', domain: 'identity', operation: 'createApiKey', permission: 'api_keys:manage', summary: 'Create an API key (its secret is in this response only)', maxBodyBytes: SMALL },
  { method: 'DELETE', path: '/v1/api-keys/{key_id}', domain: 'identity', operation: 'revokeApiKey', permission: 'api_keys:manage', summary: 'Revoke an API key' },
  { method: 'GET', path: '/v1/invitations', domain: 'identity', operation: 'listInvitations', permission: 'members:manage', summary: 'Invitations of the organization, pending or expired (paginated; tokens never shown)' },
  { method: 'DELETE', path: '/v1/invitations/{invitation_id}', domain: 'identity', operation: 'revokeInvitation', permission: 'members:manage', summary: 'Revoke an invitation' },
  { method: 'POST', path: '/v1/invitations/{token}/accept', domain: 'identity', operation: 'acceptInvitation', permission: 'self:write', summary: 'Accept an invitation as the invited user (the account email must match): become a member', maxBodyBytes: SMALL },
  { method: 'GET', path: '/v1/access-logs', domain: 'identity', operation: 'listAccessLogs', permission: 'access_logs:read', summary: 'Access log of the organization, newest first (paginated)' },
];
