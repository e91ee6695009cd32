import { auditTransactPut } from '../shared/audit/audit-log';
import type { Actor } from './request-context';
import type { TxOp } from '../shared/dynamo/transact';

export interface AuditChange {
  resource_type: 'flow' | 'deployment' | 'environment' | 'draft' | 'secret';
  resource_id: string;
  action: string;
  before: unknown;
  after: unknown;
}

/** The AuditLog Put that goes into the same transaction as the change it records. */
export function auditOp(auditTable: string, actor: Actor, change: AuditChange, nowIso: string): TxOp {
  return {
    item: auditTransactPut(
      auditTable,
      {
        org_id: actor.org_id,
        actor_email: actor.actor_email,
        ip_address: actor.ip_address,
        resource_type: change.resource_type,
        resource_id: change.resource_id,
        action: change.action,
        before: change.before,
        after: change.after,
      },
      nowIso,
    ),
  };
}
