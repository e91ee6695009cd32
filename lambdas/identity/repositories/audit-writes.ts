import { auditTransactPut, type AuditEntry } from '../../shared/audit/audit-log';
import type { TxOp } from '../../shared/dynamo/transact';

/** The AuditLog write that accompanies every identity mutation in its transaction. */
export class AuditWrites {
  constructor(private readonly tableName: string) {}

  put(entry: AuditEntry, nowIso: string): TxOp {
    return { item: auditTransactPut(this.tableName, entry, nowIso) };
  }
}
