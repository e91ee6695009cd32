import * as z from 'zod';
import { ROLES } from '../catalogue/roles';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordPolicyIssues } from './passwords';

/** Validation schemas of the identity domain's operations (also the OpenAPI source). */

// Trimmed before the format check; .meta keeps the format in the OpenAPI input schema.
const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be a valid email address'))
  .meta({ format: 'email', description: 'email address (case-insensitive)' });
const displayName = z.string().trim().min(1, 'must not be empty').max(100);
const role = z.enum(ROLES);

const newPassword = z
  .string()
  .superRefine((value, ctx) => {
    for (const message of passwordPolicyIssues(value)) ctx.addIssue({ code: 'custom', message });
  })
  .meta({
    description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not one short pattern repeated, no control characters`,
  });

export const signupBody = z.object({ email, password: newPassword, name: displayName, org_name: displayName }).strict();
// Login checks no policy: a wrong password must answer exactly as an unknown email does.
export const loginBody = z.object({ email, password: z.string().min(1).max(1024) }).strict();
export const emptyBody = z.object({}).strict().optional();
export const orgBody = z.object({ name: displayName }).strict();
export const addMemberBody = z.object({ email, role }).strict();
export const updateMemberBody = z.object({ role }).strict();
export const createApiKeyBody = z
  .object({
    name: displayName,
    role,
    expires_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  })
  .strict();
export const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional(), cursor: z.string().optional() });

const userView = z.object({ user_id: z.string(), email: z.string(), name: z.string(), created_at: z.string() });
const organizationView = z.object({ org_id: z.string(), name: z.string(), created_at: z.string(), updated_at: z.string() });
const orgMembershipView = z.object({ org_id: z.string(), name: z.string(), role });
const accessTokenView = z.object({ token: z.string(), token_type: z.literal('Bearer'), expires_at: z.string() });
const memberView = z.object({ org_id: z.string(), user_id: z.string(), email: z.string(), name: z.string(), role, created_at: z.string(), updated_at: z.string() });
const invitationView = z.object({
  invitation_id: z.string(),
  org_id: z.string(),
  email: z.string(),
  role,
  invited_by: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  status: z.enum(['pending', 'expired']),
});
const apiKeyView = z.object({
  key_id: z.string(),
  name: z.string(),
  role,
  prefix: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});
const accessLogView = z.object({
  request_id: z.string(),
  request_time: z.string(),
  principal_type: z.string(),
  principal_id: z.string(),
  actor_email: z.string(),
  method: z.string(),
  route: z.string(),
  path: z.string(),
  status: z.number(),
  ip_address: z.string(),
  user_agent: z.string(),
  latency_ms: z.number(),
});
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

export const IDENTITY_SCHEMAS: OperationSchemas = {
  signup: {
    body: signupBody,
    response: { status: 201, body: z.object({ user: userView, organization: organizationView, role, access_token: accessTokenView }) },
  },
  login: {
    body: loginBody,
    response: { status: 200, body: z.object({ user: userView, access_token: accessTokenView, organizations: z.array(orgMembershipView) }) },
  },
  logout: { body: emptyBody, response: { status: 204 } },
  me: {
    response: {
      status: 200,
      body: z.object({
        principal_type: z.enum(['user', 'api_key']),
        user: userView.nullable(),
        api_key: apiKeyView.nullable(),
        organization: organizationView.nullable(),
        role: role.nullable(),
        organizations: z.array(orgMembershipView),
      }),
    },
  },
  getOrg: { response: { status: 200, body: z.object({ organization: organizationView, role }) } },
  updateOrg: { body: orgBody, response: { status: 200, body: z.object({ organization: organizationView }) } },
  createOrg: { body: orgBody, response: { status: 201, body: z.object({ organization: organizationView, role }) } },
  listMembers: { query: pageQuery, response: { status: 200, body: page(memberView) } },
  addMember: {
    body: addMemberBody,
    response: { status: 201, body: z.object({ invitation: invitationView, token: z.string(), accept_path: z.string() }) },
  },
  updateMember: { body: updateMemberBody, response: { status: 200, body: z.object({ member: memberView }) } },
  removeMember: { response: { status: 204 } },
  listApiKeys: { query: pageQuery, response: { status: 200, body: page(apiKeyView) } },
  createApiKey: { body: createApiKeyBody, response: { status: 201, body: z.object({ api_key: apiKeyView, secret: z.string() }) } },
  revokeApiKey: { response: { status: 204 } },
  listInvitations: { query: pageQuery, response: { status: 200, body: page(invitationView) } },
  revokeInvitation: { response: { status: 204 } },
  acceptInvitation: { body: emptyBody, response: { status: 201, body: z.object({ member: memberView }) } },
  listAccessLogs: { query: pageQuery, response: { status: 200, body: page(accessLogView) } },
};
