import { canonicalJson, validateFlowSpec, type NormalizedFlowSpec } from '../engine';
import { DagyError, ValidationError, type ErrorDetail } from '../shared/errors';
import { parsePageQuery } from '../shared/http/pagination';
import { created, ok } from '../shared/http/responses';
import type { Operation } from '../shared/http/types';
import { parseWith, zodIssues } from '../shared/http/validation';
import { flowVersionView, type ArtifactSource, type FlowService, type RegisterFlowInput } from './flow-service';
import { actorOf, pathName } from './request-context';
import { DEFAULT_NAMESPACE } from './resource-names';
import {
  copyArtifactBody,
  listFlowsQuery,
  MAX_INLINE_ARTIFACT_BYTES,
  MAX_SPEC_BYTES,
  pageQuery,
  registerFlowEnvelope,
  updateFlowVersionBody,
  uploadArtifactBody,
} from './schemas';
import { zipEntryNames } from './artifact-zip';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function tooLarge(message: string): DagyError {
  return new DagyError(413, 'payload_too_large', message);
}

function decodeInlineArtifact(zipBase64: string, path = 'artifact.zip_base64'): Buffer {
  const text = zipBase64.replace(/\s+/g, '');
  // Estimated before decoding: an oversize artifact costs no allocation.
  if (Math.floor((text.length * 3) / 4) - (text.match(/=+$/)?.[0].length ?? 0) > MAX_INLINE_ARTIFACT_BYTES) {
    throw tooLarge(`${path} exceeds ${MAX_INLINE_ARTIFACT_BYTES} bytes decoded (upload larger artifacts through POST /v1/artifacts/upload-url)`);
  }
  if (!BASE64.test(text)) throw new ValidationError([{ path, message: 'is not base64' }]);
  return Buffer.from(text, 'base64');
}

/** POST /v1/flows body → registration input; every issue of the envelope and the spec in one 400. */
export function parseRegistration(body: unknown): RegisterFlowInput {
  const spec = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).flow_spec : undefined;
  if (spec !== undefined && Buffer.byteLength(JSON.stringify(spec)) > MAX_SPEC_BYTES) {
    throw tooLarge(`flow_spec exceeds ${MAX_SPEC_BYTES} bytes`);
  }
  const envelope = registerFlowEnvelope.safeParse(body);
  const issues: ErrorDetail[] = envelope.success ? [] : zodIssues(envelope.error).filter((i) => !i.path.startsWith('flow_spec'));
  let normalized: NormalizedFlowSpec | undefined;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const result = validateFlowSpec(spec, { pathPrefix: 'flow_spec' });
    if (result.ok) normalized = result.spec;
    else issues.push(...result.issues);
  }
  if (issues.length > 0 || !envelope.success || normalized === undefined) throw new ValidationError(issues);
  const input = envelope.data;
  let artifact: ArtifactSource | null = null;
  if (input.artifact?.zip_base64 !== undefined) artifact = { kind: 'inline', bytes: decodeInlineArtifact(input.artifact.zip_base64), path: 'artifact' };
  else if (input.artifact?.upload_key !== undefined) artifact = { kind: 'upload', upload_key: input.artifact.upload_key, path: 'artifact' };
  return {
    flow_name: input.flow_name,
    flow_version: input.flow_version,
    namespace: input.namespace ?? DEFAULT_NAMESPACE,
    tags: input.tags ?? {},
    default_executor: input.default_executor ?? 'lambda',
    spec: normalized,
    spec_json: canonicalJson(spec),
    artifact,
  };
}

function parseTag(tag: string | undefined): { key: string; value?: string } | undefined {
  if (tag === undefined) return undefined;
  const colon = tag.indexOf(':');
  return colon === -1 ? { key: tag } : { key: tag.slice(0, colon), value: tag.slice(colon + 1) };
}

/** Artifacts and flow versions. */
export function flowOperations(flows: FlowService): Record<string, Operation> {
  return {
    createUploadUrl: async (request) => created(await flows.createUploadUrl(actorOf(request))),

    uploadArtifact: async (request) => {
      const body = parseWith(uploadArtifactBody, request.body);
      const bytes = decodeInlineArtifact(body.zip_base64, 'zip_base64');
      if (zipEntryNames(bytes) === null) throw new ValidationError([{ path: 'zip_base64', message: 'is not a ZIP archive' }]);
      return created(await flows.storeUpload(actorOf(request), bytes));
    },

    copyArtifact: async (request) => {
      const body = parseWith(copyArtifactBody, request.body);
      return created(await flows.copyArtifact(actorOf(request), body.flow_name, body.flow_version));
    },

    registerFlow: async (request) => {
      const input = parseRegistration(request.body);
      const result = await flows.register(actorOf(request), input);
      return { status: result.created ? 201 : 200, body: flowVersionView(result.flow) };
    },

    listFlows: async (request) => {
      const query = parseWith(listFlowsQuery, request.query);
      const page = parsePageQuery(request.query);
      const filter = { ...(query.namespace !== undefined ? { namespace: query.namespace } : {}), ...(query.tag !== undefined ? { tag: parseTag(query.tag)! } : {}) };
      return ok(await flows.list(actorOf(request).org_id, filter, page));
    },

    listFlowVersions: async (request) => {
      const flowName = pathName(request, 'flow_name');
      parseWith(pageQuery, request.query);
      const page = parsePageQuery(request.query);
      const after = afterVersion(page.exclusiveStartKey);
      return ok(await flows.listVersions(actorOf(request).org_id, flowName, page.limit, after));
    },

    getFlowVersion: async (request) => {
      const record = await flows.get(actorOf(request).org_id, pathName(request, 'flow_name'), pathName(request, 'flow_version'));
      return ok(flowVersionView(record));
    },

    updateFlowVersion: async (request) => {
      const flowName = pathName(request, 'flow_name');
      const flowVersion = pathName(request, 'flow_version');
      const body = parseWith(updateFlowVersionBody, request.body);
      return ok(flowVersionView(await flows.setStatus(actorOf(request), flowName, flowVersion, body.status)));
    },
  };
}

/** The versions cursor names the last version returned (versions are sorted in memory, not by key). */
function afterVersion(cursor: Record<string, unknown> | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const value = cursor.after_version;
  if (typeof value !== 'string') throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
  return value;
}
