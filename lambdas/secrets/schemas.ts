import * as z from 'zod';
import { resourceName } from '../flows/resource-names';
import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Largest secret value (its Fernet token is ~4/3 of it, well inside a DynamoDB item). */
export const MAX_SECRET_VALUE_CHARS = 32 * 1024;

const pageFields = {
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(2048).optional(),
};
const value = z.string().min(1, 'must not be empty').max(MAX_SECRET_VALUE_CHARS, `must be at most ${MAX_SECRET_VALUE_CHARS} characters`);

export const createSecretBody = z.strictObject({ secret_name: resourceName(), value, environment: resourceName().nullable().optional() });
export const putSecretBody = z.strictObject({ value, environment: resourceName().nullable().optional() });
export const secretScopeQuery = z.strictObject({ environment: resourceName().optional() });
export const revealSecretBody = z.strictObject({ environment: resourceName().nullable().optional() }).optional();
export const listSecretsQuery = z.strictObject({ ...pageFields, environment: resourceName().optional() });

const isoTimestamp = z.string().refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 timestamp, e.g. 2026-01-31T00:00:00Z');

export const listAuditLogsQuery = z
  .strictObject({
    ...pageFields,
    resource_type: z.string().min(1).max(64).optional(),
    resource_id: z.string().min(1).max(512).optional(),
    from: isoTimestamp.optional(),
    to: isoTimestamp.optional(),
  })
  .superRefine((q, ctx) => {
    if ((q.resource_type === undefined) !== (q.resource_id === undefined)) {
      ctx.addIssue({ code: 'custom', path: [q.resource_type === undefined ? 'resource_type' : 'resource_id'], message: 'resource_type and resource_id go together' });
    }
  });

const secretSchema = z.object({
  secret_name: z.string(),
  environment: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });
const auditRecordSchema = z.object({
  org_id: z.string(),
  event_time: z.string(),
  resource_type: z.string(),
  resource_id: z.string(),
  action: z.string(),
  actor_email: z.string(),
  before_json: z.string().nullable(),
  after_json: z.string().nullable(),
  ip_address: z.string(),
});

/** Validation schemas of the secrets domain's operations (also the OpenAPI source). */
export const SECRETS_SCHEMAS: OperationSchemas = {
  listSecrets: { query: listSecretsQuery, response: { status: 200, body: pageOf(secretSchema) } },
  createSecret: { body: createSecretBody, response: { status: 201, body: secretSchema } },
  getSecret: { query: secretScopeQuery, response: { status: 200, body: secretSchema } },
  putSecret: { body: putSecretBody, response: { status: 200, body: secretSchema } },
  deleteSecret: { query: secretScopeQuery, response: { status: 204 } },
  revealSecret: { body: revealSecretBody, query: secretScopeQuery, response: { status: 200, body: secretSchema.extend({ value: z.string() }) } },
  listAuditLogs: { query: listAuditLogsQuery, response: { status: 200, body: pageOf(auditRecordSchema) } },
};
