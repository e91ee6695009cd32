import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessLogRecord } from '../../shared/http/access-log';
import type { Page, PageRequest } from '../../shared/http/pagination';
import { encodeCursor } from '../../shared/http/pagination';
import { startKeyWithin } from '../../shared/http/pagination';

/** Reads the AccessLog the HTTP stack appends (key org_id + request_time#request_id). */
export class AccessLogRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listNewestFirst(orgId: string, page: PageRequest): Promise<Page<AccessLogRecord>> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        ExpressionAttributeValues: { ':org': orgId },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toAccessLog), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }
}

function toAccessLog(item: Record<string, unknown>): AccessLogRecord {
  return {
    org_id: String(item.org_id),
    request_id: String(item.request_id ?? ''),
    request_time: String(item.request_time ?? ''),
    principal_type: String(item.principal_type ?? ''),
    principal_id: String(item.principal_id ?? ''),
    actor_email: String(item.actor_email ?? ''),
    method: String(item.method ?? ''),
    route: String(item.route ?? ''),
    path: String(item.path ?? ''),
    status: Number(item.status ?? 0),
    ip_address: String(item.ip_address ?? ''),
    user_agent: String(item.user_agent ?? ''),
    latency_ms: Number(item.latency_ms ?? 0),
  };
}
