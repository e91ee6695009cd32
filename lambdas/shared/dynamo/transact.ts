// DynamoDB transactions whose failed conditions map to domain errors, shared by every repository.
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One write of a transaction and the error to raise when its own condition cancelled the whole. */
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

/** A retryable outcome: another writer changed an item between our read and our write. */
export class ConcurrentChangeError extends ConflictError {
  constructor() {
    super('a concurrent change touched the same items; retry', 'concurrent_change');
  }
}

/**
 * Writes every op or none (TransactWriteItems). The first op whose condition failed raises its
 * own domain error; a clash with a concurrent transaction raises ConcurrentChangeError.
 */
export async function transact(ddb: DynamoDBDocumentClient, ops: TxOp[]): Promise<void> {
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: ops.map((op) => op.item) }));
  } catch (error) {
    if (!isCancelled(error)) throw error;
    const reasons = error.CancellationReasons ?? [];
    for (let i = 0; i < reasons.length; i++) {
      if (reasons[i]?.Code === 'ConditionalCheckFailed') throw ops[i]?.onConditionFailed?.() ?? new ConcurrentChangeError();
    }
    if (reasons.some((r) => r.Code === 'TransactionConflict')) throw new ConcurrentChangeError();
    throw error;
  }
}

/**
 * Runs a read-modify-write a few times when a concurrent writer won the race (the callee
 * re-reads each time), so a caller that pinned no version is not failed by a harmless race.
 */
export function isConditionalCheckFailed(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export async function withRetries<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError) || i >= tries) throw error;
    }
  }
}
