import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { canonicalJson, validateFlowSpec } from '../engine';
import { isoNow, type Clock } from '../shared/clock';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../shared/errors';
import { encodeCursor, type Page, type PageRequest } from '../shared/http/pagination';
import { uuidv7 } from '../shared/ids';
import { isOwnUploadKey, type ArtifactStore } from './artifact-store';
import { hasCodeTasks, missingHandlerModules, zipEntryNames } from './artifact-zip';
import { auditOp } from './audit';
import { issuesByTask, type DraftIssue } from './draft-issues';
import type { DraftRecord, DraftRepository, DraftSummary } from './draft-repository';
import type { FlowService, RegisterResult } from './flow-service';
import type { Actor } from './request-context';
import { DEFAULT_NAMESPACE, type RunExecutor } from './resource-names';
import { ConcurrentChangeError, transact } from '../shared/dynamo/transact';

/** The editable content of a draft (PUT replaces all of it). */
export interface DraftInput {
  name?: string;
  description?: string;
  flow_name?: string | null;
  namespace?: string | null;
  tags?: Record<string, string>;
  default_executor?: RunExecutor | null;
  flow_spec?: Record<string, unknown>;
  artifact?: { upload_key: string } | null;
  /** Node positions in the visual builder (kept beside the spec, never part of it). */
  layout?: Record<string, { x: number; y: number }>;
}

export interface DraftServiceDeps {
  ddb: DynamoDBDocumentClient;
  drafts: DraftRepository;
  artifacts: ArtifactStore;
  flowService: FlowService;
  auditTable: string;
  clock: Clock;
}

/** The API's view of a draft: its spec as an object, its artifact as {upload_key}. */
export function draftView(record: DraftRecord) {
  const { flow_spec_json, layout_json, artifact_upload_key, ...rest } = record;
  return {
    ...rest,
    flow_spec: JSON.parse(flow_spec_json) as unknown,
    layout: JSON.parse(layout_json) as unknown,
    artifact: artifact_upload_key === null ? null : { upload_key: artifact_upload_key },
  };
}

export function draftSummaryView(summary: DraftSummary) {
  const { artifact_upload_key, ...rest } = summary;
  return { ...rest, artifact: artifact_upload_key === null ? null : { upload_key: artifact_upload_key } };
}

/** What an audit record keeps of a draft: no spec (it may be large), its size and digest instead. */
function auditView(record: DraftRecord) {
  const { flow_spec_json, org_id: _org, ...rest } = record;
  return {
    ...rest,
    flow_spec_bytes: Buffer.byteLength(flow_spec_json),
    flow_spec_sha256: createHash('sha256').update(flow_spec_json).digest('hex'),
  };
}

/**
 * Drafts of the visual builder. Updates and deletes carry the version they were based on
 * (If-Match or `version`): a stale one is a 412, so two editors never overwrite each other.
 * Publishing registers a flow version from the draft through the same path as POST /v1/flows:
 * a draft with code tasks needs its artifact uploaded; a draft of http tasks needs none.
 */
export class DraftService {
  constructor(private readonly deps: DraftServiceDeps) {}

  async get(orgId: string, draftId: string): Promise<DraftRecord> {
    const draft = await this.deps.drafts.get(orgId, draftId);
    if (draft === null) throw new NotFoundError('draft');
    return draft;
  }

  async list(orgId: string, page: PageRequest): Promise<Page<DraftSummary>> {
    const { items, lastKey } = await this.deps.drafts.list(orgId, page);
    return { items, next_cursor: encodeCursor(lastKey) };
  }

  async create(actor: Actor, input: DraftInput): Promise<DraftRecord> {
    checkUploadKey(actor, input);
    const now = isoNow(this.deps.clock);
    const draft: DraftRecord = {
      ...content(input),
      org_id: actor.org_id,
      draft_id: uuidv7(this.deps.clock.nowMs()),
      version: 1,
      created_by: actor.email,
      created_at: now,
      updated_at: now,
    };
    await transact(this.deps.ddb, [
      { item: this.deps.drafts.put(draft, null) },
      auditOp(this.deps.auditTable, actor, { resource_type: 'draft', resource_id: draft.draft_id, action: 'create', before: null, after: auditView(draft) }, now),
    ]);
    return draft;
  }

  /** Replaces the draft's content; `expected` (required) must be the version stored. */
  async update(actor: Actor, draftId: string, input: DraftInput, expected: number): Promise<DraftRecord> {
    checkUploadKey(actor, input);
    const before = await this.get(actor.org_id, draftId);
    if (before.version !== expected) throw new PreconditionFailedError(`draft is at version ${before.version}, not ${expected}`);
    const now = isoNow(this.deps.clock);
    const after: DraftRecord = { ...before, ...content(input), version: before.version + 1, updated_at: now };
    await transact(this.deps.ddb, [
      // Lost the race to another editor after our read: that is a stale version too.
      { item: this.deps.drafts.put(after, expected), onConditionFailed: () => new PreconditionFailedError() },
      auditOp(this.deps.auditTable, actor, { resource_type: 'draft', resource_id: draftId, action: 'update', before: auditView(before), after: auditView(after) }, now),
    ]);
    return after;
  }

  async delete(actor: Actor, draftId: string, expected: number | undefined): Promise<void> {
    const before = await this.get(actor.org_id, draftId);
    if (expected !== undefined && before.version !== expected) throw new PreconditionFailedError();
    const now = isoNow(this.deps.clock);
    await transact(this.deps.ddb, [
      {
        item: this.deps.drafts.delete(before),
        onConditionFailed: () => (expected === undefined ? new ConcurrentChangeError() : new PreconditionFailedError()),
      },
      auditOp(this.deps.auditTable, actor, { resource_type: 'draft', resource_id: draftId, action: 'delete', before: auditView(before), after: null }, now),
    ]);
  }

  /** Every problem that would stop a publish, tied to tasks where it concerns one. */
  async validate(orgId: string, draftId: string): Promise<{ valid: boolean; errors: DraftIssue[] }> {
    const draft = await this.get(orgId, draftId);
    const spec: unknown = JSON.parse(draft.flow_spec_json);
    const errors: DraftIssue[] = [];
    if (draft.flow_name === null) errors.push({ task: null, path: 'flow_name', message: 'required to publish' });
    const result = validateFlowSpec(spec, { pathPrefix: 'flow_spec' });
    if (!result.ok) return { valid: false, errors: [...errors, ...issuesByTask(spec, result.issues)] };
    errors.push(...issuesByTask(spec, this.deps.flowService.specIssues(result.spec)));
    if (draft.artifact_upload_key === null) {
      if (hasCodeTasks(result.spec)) errors.push({ task: null, path: 'artifact', message: 'required: flow_spec has code tasks' });
    } else {
      const read = await this.deps.artifacts.readUpload(draft.artifact_upload_key);
      const entries = read.kind === 'ok' ? zipEntryNames(read.bytes) : null;
      if (read.kind === 'missing') errors.push({ task: null, path: 'artifact.upload_key', message: 'nothing was uploaded under this key' });
      else if (read.kind === 'too_large') errors.push({ task: null, path: 'artifact.upload_key', message: 'the uploaded artifact is too large' });
      else if (entries === null) errors.push({ task: null, path: 'artifact', message: 'is not a ZIP archive' });
      else errors.push(...issuesByTask(spec, missingHandlerModules(result.spec, entries)));
    }
    return { valid: errors.length === 0, errors };
  }

  /** Registers flow_name@flow_version from the draft (the draft itself is left as it is). */
  async publish(actor: Actor, draftId: string, flowVersion: string, expected: number | undefined): Promise<RegisterResult> {
    const draft = await this.get(actor.org_id, draftId);
    if (expected !== undefined && draft.version !== expected) throw new PreconditionFailedError();
    if (draft.flow_name === null) throw new ValidationError([{ path: 'flow_name', message: 'the draft needs a flow_name to publish' }]);
    const spec: unknown = JSON.parse(draft.flow_spec_json);
    const result = validateFlowSpec(spec, { pathPrefix: 'flow_spec' });
    if (!result.ok) throw new ValidationError(result.issues, 'the draft does not validate');
    return this.deps.flowService.register(actor, {
      flow_name: draft.flow_name,
      flow_version: flowVersion,
      namespace: draft.namespace ?? DEFAULT_NAMESPACE,
      tags: draft.tags,
      default_executor: (draft.default_executor as RunExecutor | null) ?? 'lambda',
      spec: result.spec,
      spec_json: canonicalJson(spec),
      artifact: draft.artifact_upload_key === null ? null : { kind: 'upload', upload_key: draft.artifact_upload_key, path: 'artifact' },
    });
  }
}

type DraftContent = Pick<
  DraftRecord,
  'name' | 'description' | 'flow_name' | 'namespace' | 'tags' | 'default_executor' | 'flow_spec_json' | 'layout_json' | 'artifact_upload_key'
>;

function content(input: DraftInput): DraftContent {
  return {
    name: input.name ?? '',
    description: input.description ?? '',
    flow_name: input.flow_name ?? null,
    namespace: input.namespace ?? null,
    tags: input.tags ?? {},
    default_executor: input.default_executor ?? null,
    flow_spec_json: JSON.stringify(input.flow_spec ?? { tasks: [] }),
    layout_json: JSON.stringify(input.layout ?? {}),
    artifact_upload_key: input.artifact?.upload_key ?? null,
  };
}

function checkUploadKey(actor: Actor, input: DraftInput): void {
  const key = input.artifact?.upload_key;
  if (key !== undefined && !isOwnUploadKey(actor.org_id, key)) {
    throw new ValidationError([{ path: 'artifact.upload_key', message: 'is not an upload key issued to this organization' }]);
  }
}
