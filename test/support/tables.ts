import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { EntityName } from '../../lambdas/catalogue';
import type { Platform } from '../../local/platform';

// Test inspection of a local platform's tables (request paths never Scan).

export function documentClient(platform: Platform): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(platform.dynamodb);
}

/** Every item of a table (test inspection only; request paths never Scan). */
export async function scanAll(platform: Platform, entity: EntityName): Promise<Array<Record<string, unknown>>> {
  const doc = documentClient(platform);
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: platform.resources.tables[entity], ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** The audit records of an organization, oldest first (every page). */
export async function auditRecords(platform: Platform, orgId: string): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient(platform).send(
      new QueryCommand({
        TableName: platform.resources.tables.AuditLog,
        KeyConditionExpression: 'org_id = :o',
        ExpressionAttributeValues: { ':o': orgId },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

