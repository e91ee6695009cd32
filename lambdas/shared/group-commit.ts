/**
 * Group commit: items submitted while a request is in flight wait for it and then go together in
 * the next one. An item submitted when nothing is in flight goes at once, alone, so a lone caller
 * (a chain's step) waits for nothing; callers that arrive together (the attempts of a fan-out
 * ending at once) share requests. No timer: the request in flight is the batching window.
 *
 * `sendMany` answers each item in order (one answer per item); when it rejects, every item of
 * that request is rejected with its error.
 */
export interface GroupCommit<T, R> {
  submit(item: T): Promise<R>;
}

export function createGroupCommit<T, R>(sendMany: (items: T[]) => Promise<R[]>, options: { max?: number } = {}): GroupCommit<T, R> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const waiting: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let inFlight = false;

  const drain = async () => {
    inFlight = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.splice(0, max);
        try {
          const answers = await sendMany(group.map((g) => g.item));
          if (answers.length !== group.length) throw new Error(`group commit: ${answers.length} answers for ${group.length} items`);
          group.forEach((g, i) => g.resolve(answers[i]!));
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      inFlight = false;
    }
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!inFlight) void drain();
      });
    },
  };
}
