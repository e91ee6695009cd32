import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../shared/http/pagination';
import { startKeyWithin } from '../shared/http/pagination';
import type { TransactItem } from '../shared/dynamo/transact';

/** A visual-builder draft (seed entity DagDraft): a FlowSpec being edited, maybe not valid yet. */
export interface DraftSummary {
  org_id: string;
  draft_id: string;
  name: string;
  description: string;
  /** The flow a publish registers a version of (required to publish). */
  flow_name: string | null;
  namespace: string | null;
  tags: Record<string, string>;
  default_executor: string | null;
  /** An upload from POST /v1/artifacts/upload-url holding the code of the draft's code tasks. */
  artifact_upload_key: string | null;
  /** 1 at creation, +1 on every update: updates carry the version they were based on. */
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface DraftRecord extends DraftSummary {
  /** The draft's spec as JSON text (stored as text: a work-in-progress spec may be deeply nested). */
  flow_spec_json: string;
  /** The builder's node positions as JSON text, `{"task": {"x": 0, "y": 0}}` ('{}' for drafts saved before it). */
  layout_json: string;
}

const SUMMARY_FIELDS = [
  'org_id', 'draft_id', 'name', 'description', 'flow_name', 'namespace', 'tags', 'default_executor',
  'artifact_upload_key', 'version', 'created_by', 'created_at', 'updated_at',
] as const;

function toSummary(item: Record<string, unknown>): DraftSummary {
  const out: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) out[field] = item[field] ?? null;
  out.tags = item.tags ?? {};
  out.name = item.name ?? '';
  out.description = item.description ?? '';
  return out as unknown as DraftSummary;
}

/** The only code that knows the DagDraft table's keys (org_id, draft_id: a UUIDv7, time-ordered). */
export class DraftRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string, draftId: string): Promise<DraftRecord | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, draft_id: draftId }, ConsistentRead: true }),
    );
    if (out.Item === undefined) return null;
    return { ...toSummary(out.Item), flow_spec_json: out.Item.flow_spec_json as string, layout_json: (out.Item.layout_json as string | undefined) ?? '{}' };
  }

  /** Newest first (draft ids are UUIDv7). */
  async list(orgId: string, page: PageRequest) {
    const names: Record<string, string> = {};
    SUMMARY_FIELDS.forEach((field, i) => (names[`#f${i}`] = field));
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        ExpressionAttributeValues: { ':org': orgId },
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toSummary), lastKey: out.LastEvaluatedKey };
  }

  /** Put of a draft: new when `readVersion` is null, else only over the version read. */
  put(record: DraftRecord, readVersion: number | null): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...record },
        ...(readVersion === null
          ? { ConditionExpression: 'attribute_not_exists(draft_id)' }
          : {
              ConditionExpression: '#version = :read',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':read': readVersion },
            }),
      },
    };
  }

  delete(record: DraftSummary): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: { org_id: record.org_id, draft_id: record.draft_id },
        ConditionExpression: '#version = :read',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':read': record.version },
      },
    };
  }
}
