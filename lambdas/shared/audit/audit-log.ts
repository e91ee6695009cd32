import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { ApiRequest } from '../http/types';
import { redact } from '../redact';

export type AuditAction = 'create' | 'update' | 'delete' | (string & {});

/** One mutation, as every mutating route records it (seed entity AuditLog). */
export interface AuditEntry {
  org_id: string;
  resource_type: string;
  resource_id: string;
  action: AuditAction;
  actor_email: string;
  before: unknown;
  after: unknown;
  ip_address: string;
}

/** Who and where, from the request: the org comes from the principal, never the body. */
export function auditActor(request: ApiRequest): { org_id: string; actor_email: string; ip_address: string } {
  const p = request.principal;
  if (p === null || p.org_id === null) throw new Error('audit needs an authenticated request with an organization');
  return {
    org_id: p.org_id,
    actor_email: p.principal_type === 'api_key' ? `${p.email} (api key ${p.principal_id})` : p.email,
    ip_address: request.sourceIp,
  };
}

/**
 * The AuditLog item of an entry: event_time is the ISO time plus a UUID (unique, sortable),
 * resource_key serves the by-resource index, before/after are redacted JSON.
 */
export function auditItem(entry: AuditEntry, nowIso: string): Record<string, unknown> {
  return {
    org_id: entry.org_id,
    event_time: `${nowIso}#${randomUUID()}`,
    resource_key: `${entry.org_id}#${entry.resource_type}#${entry.resource_id}`,
    resource_type: entry.resource_type,
    resource_id: entry.resource_id,
    action: entry.action,
    actor_email: entry.actor_email,
    before_json: entry.before === null || entry.before === undefined ? null : JSON.stringify(redact(entry.before)),
    after_json: entry.after === null || entry.after === undefined ? null : JSON.stringify(redact(entry.after)),
    ip_address: entry.ip_address,
  };
}

/** The Put of an audit item for a TransactWriteItems, so the record lands with the mutation or not at all. */
export function auditTransactPut(tableName: string, entry: AuditEntry, nowIso: string) {
  return {
    Put: {
      TableName: tableName,
      Item: auditItem(entry, nowIso),
      ConditionExpression: 'attribute_not_exists(event_time)',
    },
  };
}

/** Appends audit records (PutItem only: the API's role can never update or delete them). */
export async function putAuditRecord(ddb: DynamoDBDocumentClient, tableName: string, entry: AuditEntry, nowIso: string): Promise<void> {
  await ddb.send(new PutCommand({ TableName: tableName, Item: auditItem(entry, nowIso), ConditionExpression: 'attribute_not_exists(event_time)' }));
}
