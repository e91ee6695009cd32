import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { EntityName } from '../../../lambdas/catalogue';
import type { Role } from '../../../lambdas/catalogue/roles';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import type { ApiClient } from '../../support/platform';

export interface Member extends TestTenant {
  /** Client acting in the inviting organization (the member also owns their own signup org). */
  inOrg: ApiClient;
}

/** Signs up another user and adds them to `owner`'s organization with `role`. */
export async function addMember(platformUrl: string, owner: TestTenant, role: Role, name: string = role): Promise<Member> {
  const user = await signUpTenant(platformUrl, name);
  const res = await owner.api.post('/v1/members', { email: user.email, role });
  if (res.status !== 201) throw new Error(`add member failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, inOrg: user.api.withHeaders({ 'x-dagy-org': owner.org_id }) };
}

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

/** The audit records of an organization, oldest first. */
export async function auditRecords(platform: Platform, orgId: string): Promise<Array<Record<string, unknown>>> {
  const out = await documentClient(platform).send(
    new QueryCommand({ TableName: platform.resources.tables.AuditLog, KeyConditionExpression: 'org_id = :o', ExpressionAttributeValues: { ':o': orgId } }),
  );
  return out.Items ?? [];
}
