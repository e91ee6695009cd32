import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startKeyWithin } from '../shared/http/pagination';
import type { PageRequest } from '../shared/http/pagination';

/** An audit record as the API returns it (seed entity AuditLog). */
export interface AuditRecord {
  org_id: string;
  event_time: string;
  resource_type: string;
  resource_id: string;
  action: string;
  actor_email: string;
  before_json: string | null;
  after_json: string | null;
  ip_address: string;
}

export interface AuditQuery {
  resource?: { resource_type: string; resource_id: string };
  /** Inclusive bounds, normalized ISO timestamps (YYYY-MM-DDTHH:mm:ss.sssZ). */
  from?: string;
  to?: string;
}

const FIELDS = ['org_id', 'event_time', 'resource_type', 'resource_id', 'action', 'actor_email', 'before_json', 'after_json', 'ip_address'] as const;

function toRecord(item: Record<string, unknown>): AuditRecord {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) out[field] = item[field] ?? null;
  return out as unknown as AuditRecord;
}

/**
 * Reads of the AuditLog table (its writers append through shared/audit): by the org's time key
 * (org_id, event_time = ISO#uuid) or a resource's trail (by-resource GSI), newest first.
 */
export class AuditLogRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async query(orgId: string, query: AuditQuery, page: PageRequest) {
    const values: Record<string, unknown> = {};
    const partition = query.resource
      ? { attr: 'resource_key', value: `${orgId}#${query.resource.resource_type}#${query.resource.resource_id}` }
      : { attr: 'org_id', value: orgId };
    values[':p'] = partition.value;
    let condition = `${partition.attr} = :p`;
    // event_time is "<ISO>#<uuid>": '#' sorts below every uuid character, '~' above them.
    if (query.from !== undefined && query.to !== undefined) {
      condition += ' AND event_time BETWEEN :from AND :to';
      values[':from'] = `${query.from}#`;
      values[':to'] = `${query.to}#~`;
    } else if (query.from !== undefined) {
      condition += ' AND event_time >= :from';
      values[':from'] = `${query.from}#`;
    } else if (query.to !== undefined) {
      condition += ' AND event_time <= :to';
      values[':to'] = `${query.to}#~`;
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(query.resource ? { IndexName: 'by-resource' } : {}),
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, partition.attr, partition.value),
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }
}
