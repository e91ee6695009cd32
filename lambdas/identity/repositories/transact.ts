import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../shared/errors';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One write of a transaction and the error to raise if its condition is what cancelled it. */
export interface TxOp {
  item: TransactItem;
  onConditionFailed?: () => Error;
}

interface CancelledError {
  name: string;
  CancellationReasons?: Array<{ Code?: string }>;
}

function isCancelled(error: unknown): error is CancelledError {
  return error instanceof Error && error.name === 'TransactionCanceledException';
}

/**
 * Writes every op or none (TransactWriteItems). A failed condition becomes the op's own domain
 * error; a conflict with a concurrent transaction becomes a 409 the client may retry.
 */
export async function transact(ddb: DynamoDBDocumentClient, ops: TxOp[]): Promise<void> {
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: ops.map((op) => op.item) }));
  } catch (error) {
    if (!isCancelled(error)) throw error;
    const reasons = error.CancellationReasons ?? [];
    for (let i = 0; i < reasons.length; i++) {
      if (reasons[i]?.Code === 'ConditionalCheckFailed') {
        const make = ops[i]?.onConditionFailed;
        if (make !== undefined) throw make();
      }
    }
    if (reasons.some((r) => r.Code === 'TransactionConflict')) {
      throw new ConflictError('a concurrent change touched the same items; retry', 'concurrent_change');
    }
    throw error;
  }
}
