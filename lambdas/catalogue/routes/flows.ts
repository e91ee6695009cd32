import type { RouteDef } from './types';

/** POST /v1/flows carries an inline artifact: 4 MB decoded is ~5.6 MB of base64, plus a spec of up to 256 KB,
 * kept under Lambda's 6 MB synchronous payload (which also holds the event envelope). */
export const REGISTER_FLOW_BODY_LIMIT = 6 * 1024 * 1024 - 64 * 1024;

export const FLOWS_ROUTES: RouteDef[] = [
  { method: 'POST', path: '/v1/artifacts/upload-url', domain: 'flows', operation: 'createUploadUrl', permission: 'flows:write', summary: 'Presigned URL to upload a flow artifact (ZIP)' },
  { method: 'POST', path: '/v1/flows', domain: 'flows', operation: 'registerFlow', permission: 'flows:write', summary: 'Register a flow version (immutable; same code again is a no-op)', maxBodyBytes: REGISTER_FLOW_BODY_LIMIT },
  { method: 'GET', path: '/v1/flows', domain: 'flows', operation: 'listFlows', permission: 'flows:read', summary: 'List flow versions (namespace, tag filters)' },
  { method: 'GET', path: '/v1/flows/{flow_name}/versions', domain: 'flows', operation: 'listFlowVersions', permission: 'flows:read', summary: "A flow's versions in version order" },
  { method: 'GET', path: '/v1/flows/{flow_name}/versions/{flow_version}', domain: 'flows', operation: 'getFlowVersion', permission: 'flows:read', summary: 'One flow version with its spec' },
  { method: 'PATCH', path: '/v1/flows/{flow_name}/versions/{flow_version}', domain: 'flows', operation: 'updateFlowVersion', permission: 'flows:write', summary: "Set a flow version's status (ACTIVE/INACTIVE)" },

  { method: 'POST', path: '/v1/deployments', domain: 'flows', operation: 'createDeployment', permission: 'deployments:write', summary: 'Create a deployment (protected environments: admins)' },
  { method: 'GET', path: '/v1/deployments', domain: 'flows', operation: 'listDeployments', permission: 'deployments:read', summary: 'List deployments (flow, environment, status filters)' },
  { method: 'GET', path: '/v1/deployments/{deployment_name}', domain: 'flows', operation: 'getDeployment', permission: 'deployments:read', summary: 'One deployment' },
  { method: 'PATCH', path: '/v1/deployments/{deployment_name}', domain: 'flows', operation: 'updateDeployment', permission: 'deployments:write', summary: 'Change a deployment (conditional on its deployment_version)' },
  { method: 'DELETE', path: '/v1/deployments/{deployment_name}', domain: 'flows', operation: 'deleteDeployment', permission: 'deployments:write', summary: 'Delete a deployment' },
  { method: 'POST', path: '/v1/deployments/{deployment_name}/pause', domain: 'flows', operation: 'pauseDeployment', permission: 'deployments:write', summary: 'Pause a deployment' },
  { method: 'POST', path: '/v1/deployments/{deployment_name}/resume', domain: 'flows', operation: 'resumeDeployment', permission: 'deployments:write', summary: 'Resume a paused deployment' },
  { method: 'POST', path: '/v1/deployments/{deployment_name}/promote', domain: 'flows', operation: 'promoteDeployment', permission: 'deployments:write', summary: "Promote a deployment's flow version into another environment" },

  { method: 'GET', path: '/v1/environments', domain: 'flows', operation: 'listEnvironments', permission: 'environments:read', summary: 'List environments' },
  { method: 'POST', path: '/v1/environments', domain: 'flows', operation: 'createEnvironment', permission: 'environments:manage', summary: 'Create an environment' },
  { method: 'GET', path: '/v1/environments/{env_name}', domain: 'flows', operation: 'getEnvironment', permission: 'environments:read', summary: 'One environment' },
  { method: 'PATCH', path: '/v1/environments/{env_name}', domain: 'flows', operation: 'updateEnvironment', permission: 'environments:manage', summary: 'Change an environment' },
  { method: 'DELETE', path: '/v1/environments/{env_name}', domain: 'flows', operation: 'deleteEnvironment', permission: 'environments:manage', summary: 'Delete an environment (not protected, no deployments)' },

  { method: 'GET', path: '/v1/drafts', domain: 'flows', operation: 'listDrafts', permission: 'drafts:read', summary: 'List drafts, newest first' },
  { method: 'POST', path: '/v1/drafts', domain: 'flows', operation: 'createDraft', permission: 'drafts:write', summary: 'Create a draft' },
  { method: 'GET', path: '/v1/drafts/{draft_id}', domain: 'flows', operation: 'getDraft', permission: 'drafts:read', summary: 'One draft (ETag: its version)' },
  { method: 'PUT', path: '/v1/drafts/{draft_id}', domain: 'flows', operation: 'updateDraft', permission: 'drafts:write', summary: 'Replace a draft (If-Match or version; stale → 412)' },
  { method: 'DELETE', path: '/v1/drafts/{draft_id}', domain: 'flows', operation: 'deleteDraft', permission: 'drafts:write', summary: 'Delete a draft' },
  { method: 'POST', path: '/v1/drafts/{draft_id}/validate', domain: 'flows', operation: 'validateDraft', permission: 'drafts:read', summary: "Validate a draft: issues mapped to the tasks they concern" },
  { method: 'POST', path: '/v1/drafts/{draft_id}/publish', domain: 'flows', operation: 'publishDraft', permission: 'flows:write', summary: 'Register a flow version from a draft' },
  { method: 'POST', path: '/v1/artifacts/uploads', domain: 'flows', operation: 'uploadArtifact', permission: 'flows:write', summary: 'Store a ZIP sent inline (at most 4 MB) under a new upload key (a draft\'s artifact, same origin)', maxBodyBytes: REGISTER_FLOW_BODY_LIMIT },
  { method: 'POST', path: '/v1/artifacts/copy', domain: 'flows', operation: 'copyArtifact', permission: 'flows:write', summary: "Copy a flow version's artifact to a new upload key (a draft's artifact)", maxBodyBytes: 4096 },
];
