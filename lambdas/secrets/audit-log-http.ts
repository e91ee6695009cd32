import { actorOf } from '../flows/request-context';
import { encodeCursor, parsePageQuery } from '../shared/http/pagination';
import { ok } from '../shared/http/responses';
import type { Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import type { AuditLogRepository } from './audit-log-repository';
import { listAuditLogsQuery } from './schemas';

/** GET /v1/audit-logs: a resource's trail or the org's log in a time range, newest first. */
export function auditLogOperations(auditLogs: AuditLogRepository): Record<string, Operation> {
  return {
    listAuditLogs: async (request) => {
      const q = parseWith(listAuditLogsQuery, request.query);
      const query = {
        ...(q.resource_type !== undefined && q.resource_id !== undefined ? { resource: { resource_type: q.resource_type, resource_id: q.resource_id } } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
      };
      const { items, lastKey } = await auditLogs.query(actorOf(request).org_id, query, parsePageQuery(request.query));
      return ok({ items, next_cursor: encodeCursor(lastKey) });
    },
  };
}
