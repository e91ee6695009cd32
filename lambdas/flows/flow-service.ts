import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NormalizedFlowSpec } from '../engine';
import { isoNow, type Clock } from '../shared/clock';
import { ConflictError, DagyError, NotFoundError, ValidationError, type ErrorDetail } from '../shared/errors';
import { encodeCursor, type Page, type PageRequest } from '../shared/http/pagination';
import { isOwnUploadKey, type ArtifactStore, MAX_UPLOADED_ARTIFACT_BYTES, UPLOAD_URL_TTL_SECONDS } from './artifact-store';
import { hasCodeTasks, missingHandlerModules, zipEntryNames } from './artifact-zip';
import { auditOp } from './audit';
import { computeCodeHash } from './code-hash';
import type { EgressPolicy } from '../shared/egress';
import { httpTaskIssues } from './http-task-checks';
import type { FlowListFilter, FlowRepository, FlowStatus, FlowVersionRecord, FlowVersionSummary } from './flow-repository';
import { compareFlowVersions } from './flow-version-order';
import type { Actor } from './request-context';
import type { RunExecutor } from './resource-names';
import { transact } from '../shared/dynamo/transact';
import { ARTIFACT_BYTES_METRIC } from '../usage/metrics';
import { periodOf } from '../usage/period';
import type { UsageEventRecord, UsageRepository } from '../usage/usage-repository';

/** Where a version's code comes from; `path` is where a problem with it is reported. */
export type ArtifactSource =
  | { kind: 'inline'; bytes: Buffer; path: string }
  | { kind: 'upload'; upload_key: string; path: string };

export interface RegisterFlowInput {
  flow_name: string;
  flow_version: string;
  namespace: string;
  tags: Record<string, string>;
  default_executor: RunExecutor;
  /** The validated spec with defaults filled in: what the code hash covers. */
  spec: NormalizedFlowSpec;
  /** canonicalJson of the spec as submitted: what is stored (defaults spelled out for every task
   * could outgrow a DynamoDB item; readers parseFlowSpec it, which fills them in again). */
  spec_json: string;
  artifact: ArtifactSource | null;
}

export interface RegisterResult {
  /** false: the same version with the same code_hash was already registered (nothing written). */
  created: boolean;
  flow: FlowVersionRecord;
}

export interface FlowServiceDeps {
  ddb: DynamoDBDocumentClient;
  flows: FlowRepository;
  artifacts: ArtifactStore;
  auditTable: string;
  clock: Clock;
  /** Judges http task URLs at registration (the local platform's loopback flag included). */
  egress: EgressPolicy;
  /** Meters the artifact bytes a new version stores (in the same transaction as the version). */
  usage?: Pick<UsageRepository, 'transactItems'>;
}

class VersionTaken extends Error {}

export const flowResourceId = (flowName: string, flowVersion: string) => `${flowName}@${flowVersion}`;

/** The API's view of a version: the record with its spec parsed (flow_spec) next to flow_spec_json. */
export function flowVersionView(record: FlowVersionRecord) {
  return { ...record, flow_spec: JSON.parse(record.flow_spec_json) as unknown };
}

/** What an audit record keeps of a version: everything but the spec (code_hash identifies it). */
function auditView(record: FlowVersionSummary & { flow_spec_json?: string }): FlowVersionSummary {
  const { flow_spec_json: _spec, ...summary } = record;
  return summary;
}

/** Flow versions: registration (immutable, content-hashed), listing, status. */
export class FlowService {
  constructor(private readonly deps: FlowServiceDeps) {}

  async createUploadUrl(actor: Actor): Promise<{ upload_key: string; url: string; expires_at: string; max_bytes: number }> {
    const upload_key = this.deps.artifacts.newUploadKey(actor.org_id);
    const url = await this.deps.artifacts.presignUpload(upload_key);
    const expires_at = new Date(this.deps.clock.nowMs() + UPLOAD_URL_TTL_SECONDS * 1000).toISOString();
    return { upload_key, url, expires_at, max_bytes: MAX_UPLOADED_ARTIFACT_BYTES };
  }

  /** A new upload key holding a ZIP the client sent inline (checked to be a ZIP by the caller). */
  async storeUpload(actor: Actor, bytes: Buffer): Promise<{ upload_key: string; bytes: number }> {
    const upload_key = this.deps.artifacts.newUploadKey(actor.org_id);
    await this.deps.artifacts.putUpload(upload_key, bytes);
    return { upload_key, bytes: bytes.length };
  }

  /**
   * A new upload key holding the artifact of an existing version: how a builder draft reuses
   * code already registered (the draft names upload keys only). Nothing is registered, as with
   * createUploadUrl, so there is no audit record; the copy expires with the other uploads.
   */
  async copyArtifact(actor: Actor, flowName: string, flowVersion: string): Promise<{ upload_key: string; flow_name: string; flow_version: string; bytes: number }> {
    const version = await this.get(actor.org_id, flowName, flowVersion);
    if (version.artifact_s3_uri === null) {
      throw new ValidationError([{ path: 'flow_version', message: `${flowName}@${flowVersion} has no artifact (it has no code tasks)` }]);
    }
    const upload_key = this.deps.artifacts.newUploadKey(actor.org_id);
    const bytes = await this.deps.artifacts.copyToUpload(actor.org_id, version.artifact_s3_uri, upload_key);
    return { upload_key, flow_name: flowName, flow_version: flowVersion, bytes };
  }

  /**
   * Registers a version. The same version with the same code_hash answers the stored version
   * unchanged; with another code_hash a 409. The artifact is stored (content-addressed, so a
   * retry rewrites the same object) before the Flow item and its audit record are written together.
   */
  async register(actor: Actor, input: RegisterFlowInput): Promise<RegisterResult> {
    const specIssues = this.specIssues(input.spec);
    if (specIssues.length > 0) throw new ValidationError(specIssues);
    const bytes = await this.artifactBytes(actor.org_id, input.artifact);
    if (bytes === null && hasCodeTasks(input.spec)) {
      throw new ValidationError([{ path: 'artifact', message: 'required: flow_spec has code tasks' }]);
    }
    if (bytes !== null) checkArtifact(input.spec, bytes, input.artifact!.path);
    const codeHash = computeCodeHash(input.spec, bytes);

    const existing = await this.deps.flows.get(actor.org_id, input.flow_name, input.flow_version);
    if (existing !== null) return sameOrConflict(existing, codeHash);

    const artifactUri = bytes === null ? null : await this.deps.artifacts.putArtifact(actor.org_id, input.flow_name, codeHash, bytes);
    const now = isoNow(this.deps.clock);
    const record: FlowVersionRecord = {
      org_id: actor.org_id,
      flow_name: input.flow_name,
      flow_version: input.flow_version,
      namespace: input.namespace,
      tags: input.tags,
      flow_spec_json: input.spec_json,
      artifact_s3_uri: artifactUri,
      status: 'ACTIVE',
      default_executor: input.default_executor,
      code_hash: codeHash,
      created_by: actor.email,
      created_at: now,
      updated_at: now,
    };
    try {
      await transact(this.deps.ddb, [
        { item: this.deps.flows.putNew(record), onConditionFailed: () => new VersionTaken() },
        auditOp(this.deps.auditTable, actor, {
          resource_type: 'flow',
          resource_id: flowResourceId(record.flow_name, record.flow_version),
          action: 'create',
          before: null,
          after: auditView(record),
        }, now),
        ...this.artifactUsage(record, bytes).map((item) => ({ item })),
      ]);
    } catch (error) {
      if (!(error instanceof VersionTaken)) throw error;
      // Another registration of this version won the race: same code is success, other code a 409.
      const winner = await this.deps.flows.get(actor.org_id, input.flow_name, input.flow_version);
      if (winner === null) throw error;
      return sameOrConflict(winner, codeHash);
    }
    return { created: true, flow: record };
  }

  /** Problems of a valid spec that only this service can judge (http task URLs and templates). */
  specIssues(spec: NormalizedFlowSpec): ErrorDetail[] {
    return httpTaskIssues(spec, this.deps.egress);
  }

  async get(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionRecord> {
    const record = await this.deps.flows.get(orgId, flowName, flowVersion);
    if (record === null) throw new NotFoundError('flow version');
    return record;
  }

  async list(orgId: string, filter: FlowListFilter, page: PageRequest): Promise<Page<FlowVersionSummary>> {
    const { items, lastKey } = await this.deps.flows.listByOrg(orgId, filter, page);
    return { items, next_cursor: encodeCursor(lastKey) };
  }

  /** A flow's versions in version order (semver precedence, other strings after); 404 for no versions. */
  async listVersions(orgId: string, flowName: string, limit: number, afterVersion: string | undefined): Promise<Page<FlowVersionSummary>> {
    const all = await this.deps.flows.listVersions(orgId, flowName);
    if (all.length === 0) throw new NotFoundError('flow');
    all.sort((a, b) => compareFlowVersions(a.flow_version, b.flow_version));
    const start = afterVersion === undefined ? 0 : firstAfter(all, afterVersion);
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { items, next_cursor: more ? encodeCursor({ after_version: items[items.length - 1]!.flow_version }) : null };
  }

  /** ACTIVE/INACTIVE; setting the current status again changes (and records) nothing. */
  async setStatus(actor: Actor, flowName: string, flowVersion: string, status: FlowStatus): Promise<FlowVersionRecord> {
    const before = await this.get(actor.org_id, flowName, flowVersion);
    if (before.status === status) return before;
    const now = isoNow(this.deps.clock);
    const after: FlowVersionRecord = { ...before, status, updated_at: now };
    await transact(this.deps.ddb, [
      {
        item: this.deps.flows.setStatus(before, status, now),
        onConditionFailed: () => new ConflictError('the version status changed concurrently; read it again', 'concurrent_change'),
      },
      auditOp(this.deps.auditTable, actor, {
        resource_type: 'flow',
        resource_id: flowResourceId(flowName, flowVersion),
        action: 'update',
        before: auditView(before),
        after: auditView(after),
      }, now),
    ]);
    return after;
  }

  /** The usage event of the bytes a new version stores (none without an artifact). */
  private artifactUsage(record: FlowVersionRecord, bytes: Buffer | null): ReturnType<UsageRepository['transactItems']> {
    if (this.deps.usage === undefined || bytes === null) return [];
    const event: UsageEventRecord = {
      org_id: record.org_id,
      event_id: `artifact_stored:${flowResourceId(record.flow_name, record.flow_version)}:${record.code_hash.slice(0, 16)}`,
      event_time: record.created_at,
      period: periodOf(record.created_at),
      event_type: 'artifact_stored',
      resource_type: 'flow',
      resource_id: flowResourceId(record.flow_name, record.flow_version),
      metrics: { [ARTIFACT_BYTES_METRIC]: bytes.length },
      attributes: { flow_name: record.flow_name, flow_version: record.flow_version, code_hash: record.code_hash },
    };
    return this.deps.usage.transactItems(event);
  }

  private async artifactBytes(orgId: string, source: ArtifactSource | null): Promise<Buffer | null> {
    if (source === null) return null;
    if (source.kind === 'inline') return source.bytes;
    const path = `${source.path}.upload_key`;
    // Another org's key is answered like a malformed one: never reveal what exists elsewhere.
    if (!isOwnUploadKey(orgId, source.upload_key)) {
      throw new ValidationError([{ path, message: 'is not an upload key issued to this organization' }]);
    }
    const read = await this.deps.artifacts.readUpload(source.upload_key);
    if (read.kind === 'missing') throw new ValidationError([{ path, message: 'nothing was uploaded under this key (PUT the ZIP to the upload URL first)' }]);
    if (read.kind === 'too_large') throw new DagyError(413, 'payload_too_large', `the uploaded artifact exceeds ${MAX_UPLOADED_ARTIFACT_BYTES} bytes`);
    return read.bytes;
  }
}

/** The ZIP must be a ZIP and hold every code task's handler module. */
export function checkArtifact(spec: NormalizedFlowSpec, bytes: Uint8Array, path: string): void {
  const entries = zipEntryNames(bytes);
  if (entries === null) throw new ValidationError([{ path, message: 'is not a ZIP archive' }]);
  const missing: ErrorDetail[] = missingHandlerModules(spec, entries);
  if (missing.length > 0) throw new ValidationError(missing);
}

function sameOrConflict(existing: FlowVersionRecord, codeHash: string): RegisterResult {
  if (existing.code_hash === codeHash) return { created: false, flow: existing };
  throw new ConflictError(
    `flow ${existing.flow_name} version ${existing.flow_version} is already registered with other code (code_hash ${existing.code_hash}); register a new version`,
    'flow_version_exists',
  );
}

function firstAfter(sorted: FlowVersionSummary[], afterVersion: string): number {
  const i = sorted.findIndex((v) => compareFlowVersions(v.flow_version, afterVersion) > 0);
  return i === -1 ? sorted.length : i;
}
