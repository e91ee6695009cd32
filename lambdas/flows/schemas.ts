import * as z from 'zod';
import { MAX_DEPLOYMENT_CONCURRENCY } from '../billing/plans';
import { flowSpecSchema, MAX_TASKS } from '../engine';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { DEPLOYMENT_STATUSES } from './deployment-repository';
import { FLOW_STATUSES } from './flow-repository';
import { namespaceSchema, resourceName, runExecutorSchema, tagsSchema, TAG_KEY_PATTERN } from './resource-names';

/** Largest flow_spec, as JSON (docs/flow-spec.md "Limits": specs over 256 KB are refused with a 413). */
export const MAX_SPEC_BYTES = 256 * 1024;
/** Largest inline artifact, decoded. */
export const MAX_INLINE_ARTIFACT_BYTES = 4 * 1024 * 1024;
/** Deployment default parameters and environment config stay small (audit records hold two copies). */
export const MAX_PARAMETERS_BYTES = 32 * 1024;

const jsonObject = z.record(z.string(), z.unknown());
const boundedJsonObject = jsonObject.refine(
  (value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_PARAMETERS_BYTES,
  `must be at most ${MAX_PARAMETERS_BYTES} bytes as JSON`,
);
const configJson = z
  .string()
  .max(MAX_PARAMETERS_BYTES, `must be at most ${MAX_PARAMETERS_BYTES} characters`)
  .refine((text) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  }, 'must be the JSON text of an object, e.g. "{}"');

const pageFields = {
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(2048).optional(),
};
export const pageQuery = z.strictObject(pageFields);
const versionField = z.int().min(1);

// --- artifacts and flows -----------------------------------------------------------------

export const artifactRefSchema = z
  .strictObject({
    zip_base64: z.string().optional(),
    upload_key: z.string().max(512).optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.zip_base64 === undefined) === (value.upload_key === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of zip_base64 or upload_key' });
    }
  });

export const registerFlowBody = z.strictObject({
  flow_name: resourceName(),
  flow_version: resourceName(),
  namespace: namespaceSchema.optional(),
  tags: tagsSchema.optional(),
  default_executor: runExecutorSchema.optional(),
  flow_spec: flowSpecSchema,
  artifact: artifactRefSchema.optional(),
});

/** What the handler parses: the spec is left to the engine, which reports its own issue paths. */
export const registerFlowEnvelope = registerFlowBody.extend({ flow_spec: z.unknown().optional() });

export const listFlowsQuery = z.strictObject({
  ...pageFields,
  namespace: namespaceSchema.optional(),
  tag: z
    .string()
    .refine((tag) => TAG_KEY_PATTERN.test(tag.split(':', 1)[0]!), "must be 'key' or 'key:value'")
    .optional(),
});

export const updateFlowVersionBody = z.strictObject({ status: z.enum(FLOW_STATUSES) });

const flowVersionSummarySchema = z.object({
  flow_name: z.string(),
  flow_version: z.string(),
  namespace: z.string(),
  tags: z.record(z.string(), z.string()),
  artifact_s3_uri: z.string().nullable(),
  status: z.enum(FLOW_STATUSES),
  default_executor: z.string(),
  code_hash: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const flowVersionSchema = flowVersionSummarySchema.extend({ flow_spec_json: z.string(), flow_spec: flowSpecSchema });
const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

// --- deployments -------------------------------------------------------------------------

const scheduleField = z.string().max(256).nullable().optional();
/** Lowers the plan's concurrency for this deployment's runs (null clears it); more wait QUEUED. */
const maxConcurrentRuns = z.int().min(1).max(MAX_DEPLOYMENT_CONCURRENCY).nullable().optional();

export const createDeploymentBody = z.strictObject({
  deployment_name: resourceName(),
  flow_name: resourceName(),
  flow_version: resourceName(),
  environment: resourceName(),
  default_executor: runExecutorSchema.optional(),
  parameters: boundedJsonObject.optional(),
  tags: tagsSchema.optional(),
  schedule: scheduleField,
  max_concurrent_runs: maxConcurrentRuns,
});

export const updateDeploymentBody = z.strictObject({
  flow_name: resourceName().optional(),
  flow_version: resourceName().optional(),
  environment: resourceName().optional(),
  default_executor: runExecutorSchema.optional(),
  parameters: boundedJsonObject.optional(),
  tags: tagsSchema.optional(),
  schedule: scheduleField,
  max_concurrent_runs: maxConcurrentRuns,
  /** The version this change is based on (or If-Match); a stale one is a 412. */
  deployment_version: versionField.optional(),
});

export const deploymentVersionBody = z.strictObject({ deployment_version: versionField.optional() }).optional();
export const promoteDeploymentBody = z.strictObject({ to_environment: resourceName(), deployment_version: versionField.optional() });

export const listDeploymentsQuery = z.strictObject({
  ...pageFields,
  flow_name: resourceName().optional(),
  environment: resourceName().optional(),
  status: z.enum(DEPLOYMENT_STATUSES).optional(),
});

const deploymentSchema = z.object({
  deployment_name: z.string(),
  flow_name: z.string(),
  flow_version: z.string(),
  environment: z.string(),
  schedule: z.string().nullable(),
  default_executor: z.string(),
  tags: z.record(z.string(), z.string()),
  parameters: jsonObject,
  max_concurrent_runs: z.int().nullable(),
  status: z.enum(DEPLOYMENT_STATUSES),
  deployment_version: z.int(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

// --- environments ------------------------------------------------------------------------

export const createEnvironmentBody = z.strictObject({
  env_name: resourceName(),
  default_executor: runExecutorSchema.optional(),
  config_json: configJson.optional(),
  is_protected: z.boolean().optional(),
});
export const updateEnvironmentBody = createEnvironmentBody.omit({ env_name: true });

const environmentSchema = z.object({
  org_id: z.string(),
  env_name: z.string(),
  default_executor: z.string(),
  config_json: z.string(),
  is_protected: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

// --- drafts ------------------------------------------------------------------------------

/** The builder's node positions, by task name (at most one per task a spec may hold). */
const draftLayoutSchema = z
  .record(z.string().max(128), z.strictObject({ x: z.number().min(-1e6).max(1e6), y: z.number().min(-1e6).max(1e6) }))
  .refine((layout) => Object.keys(layout).length <= MAX_TASKS, `at most ${MAX_TASKS} positions`);

export const createDraftBody = z.strictObject({
  name: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  flow_name: resourceName().nullable().optional(),
  namespace: namespaceSchema.nullable().optional(),
  tags: tagsSchema.optional(),
  default_executor: runExecutorSchema.nullable().optional(),
  /** Any JSON object: a draft may be invalid while it is edited (see /validate). */
  flow_spec: jsonObject.optional(),
  artifact: z.strictObject({ upload_key: z.string().max(512) }).nullable().optional(),
  layout: draftLayoutSchema.optional(),
});
export const updateDraftBody = createDraftBody.extend({ version: versionField.optional() });
export const publishDraftBody = z.strictObject({ flow_version: resourceName() });
/** A ZIP sent inline to become an upload (POST /v1/artifacts/uploads): the browser's way, with no cross-origin PUT. */
export const uploadArtifactBody = z.strictObject({ zip_base64: z.string() });
/** The flow version whose artifact a draft reuses (POST /v1/artifacts/copy). */
export const copyArtifactBody = z.strictObject({ flow_name: resourceName(), flow_version: resourceName() });

const draftSummarySchema = z.object({
  draft_id: z.string(),
  name: z.string(),
  description: z.string(),
  flow_name: z.string().nullable(),
  namespace: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  default_executor: z.string().nullable(),
  artifact: z.object({ upload_key: z.string() }).nullable(),
  version: z.int(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const draftSchema = draftSummarySchema.extend({ flow_spec: jsonObject, layout: z.record(z.string(), z.object({ x: z.number(), y: z.number() })) });
const draftValidationSchema = z.object({
  valid: z.boolean(),
  errors: z.array(z.object({ task: z.string().nullable(), path: z.string(), message: z.string() })),
});

/** Validation schemas of the flows domain's operations (also the OpenAPI source). */
export const FLOWS_SCHEMAS: OperationSchemas = {
  createUploadUrl: {
    response: { status: 201, body: z.object({ upload_key: z.string(), url: z.string(), expires_at: z.string(), max_bytes: z.int() }) },
  },
  uploadArtifact: { body: uploadArtifactBody, response: { status: 201, body: z.object({ upload_key: z.string(), bytes: z.int() }) } },
  copyArtifact: {
    body: copyArtifactBody,
    response: { status: 201, body: z.object({ upload_key: z.string(), flow_name: z.string(), flow_version: z.string(), bytes: z.int() }) },
  },
  registerFlow: { body: registerFlowBody, response: { status: 201, body: flowVersionSchema } },
  listFlows: { query: listFlowsQuery, response: { status: 200, body: pageOf(flowVersionSummarySchema) } },
  listFlowVersions: { query: pageQuery, response: { status: 200, body: pageOf(flowVersionSummarySchema) } },
  getFlowVersion: { response: { status: 200, body: flowVersionSchema } },
  updateFlowVersion: { body: updateFlowVersionBody, response: { status: 200, body: flowVersionSchema } },

  createDeployment: { body: createDeploymentBody, response: { status: 201, body: deploymentSchema } },
  listDeployments: { query: listDeploymentsQuery, response: { status: 200, body: pageOf(deploymentSchema) } },
  getDeployment: { response: { status: 200, body: deploymentSchema } },
  updateDeployment: { body: updateDeploymentBody, response: { status: 200, body: deploymentSchema } },
  deleteDeployment: { response: { status: 204 } },
  pauseDeployment: { body: deploymentVersionBody, response: { status: 200, body: deploymentSchema } },
  resumeDeployment: { body: deploymentVersionBody, response: { status: 200, body: deploymentSchema } },
  promoteDeployment: { body: promoteDeploymentBody, response: { status: 200, body: deploymentSchema } },

  listEnvironments: { query: pageQuery, response: { status: 200, body: pageOf(environmentSchema) } },
  createEnvironment: { body: createEnvironmentBody, response: { status: 201, body: environmentSchema } },
  getEnvironment: { response: { status: 200, body: environmentSchema } },
  updateEnvironment: { body: updateEnvironmentBody, response: { status: 200, body: environmentSchema } },
  deleteEnvironment: { response: { status: 204 } },

  listDrafts: { query: pageQuery, response: { status: 200, body: pageOf(draftSummarySchema) } },
  createDraft: { body: createDraftBody, response: { status: 201, body: draftSchema } },
  getDraft: { response: { status: 200, body: draftSchema } },
  updateDraft: { body: updateDraftBody, response: { status: 200, body: draftSchema } },
  deleteDraft: { response: { status: 204 } },
  validateDraft: { response: { status: 200, body: draftValidationSchema } },
  publishDraft: { body: publishDraftBody, response: { status: 201, body: flowVersionSchema } },
};
