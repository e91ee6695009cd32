// DynamoDB plumbing shared by the scheduling and sensors domains: transactions whose failed
// conditions map to domain errors, and recognising a failed conditional write.
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../shared/errors';

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

/** Writes every op or none. The first failed condition raises its op's error (or ConcurrentChangeError). */
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

export function isConditionalCheckFailed(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Runs a read-modify-write again when a concurrent writer won (the attempt re-reads each time). */
export async function withRetries<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError) || i >= tries) throw error;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
