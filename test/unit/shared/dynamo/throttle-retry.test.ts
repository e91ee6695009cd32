import { isRefusedUnapplied, retryThrottled } from '../../../../lambdas/shared/dynamo/throttle-retry';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

describe('retryThrottled', () => {
  test('sends again while the store refuses unapplied, then answers the result', async () => {
    let calls = 0;
    const out = await retryThrottled(
      async () => {
        calls++;
        if (calls < 3) throw named('ProvisionedThroughputExceededException');
        return 'written';
      },
      { tries: 5, baseDelayMs: 1 },
    );
    expect(out).toBe('written');
    expect(calls).toBe(3);
  });

  test('gives up after its tries with the last refusal', async () => {
    let calls = 0;
    const refusal = named('ThrottlingException');
    await expect(
      retryThrottled(
        async () => {
          calls++;
          throw refusal;
        },
        { tries: 4, baseDelayMs: 1 },
      ),
    ).rejects.toBe(refusal);
    expect(calls).toBe(4);
  });

  test('never sends again what may have been applied (a timeout, a 5xx) or was refused for good (a failed condition)', async () => {
    for (const error of [named('TimeoutError'), named('InternalServerError', { $metadata: { httpStatusCode: 500 } }), named('ConditionalCheckFailedException'), new Error('socket hang up')]) {
      let calls = 0;
      await expect(
        retryThrottled(
          async () => {
            calls++;
            throw error;
          },
          { tries: 5, baseDelayMs: 1 },
        ),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  test('waits a jittered, doubling delay between tries', async () => {
    jest.useFakeTimers();
    try {
      let calls = 0;
      const done = retryThrottled(
        async () => {
          calls++;
          if (calls < 4) throw named('RequestLimitExceeded');
          return calls;
        },
        { tries: 5, baseDelayMs: 100, random: () => 1 },
      );
      await jest.advanceTimersByTimeAsync(99);
      expect(calls).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toBe(2);
      await jest.advanceTimersByTimeAsync(199);
      expect(calls).toBe(2);
      await jest.advanceTimersByTimeAsync(1 + 400);
      await expect(done).resolves.toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('isRefusedUnapplied', () => {
  test('throttles and conflicts by name, and errors the SDK marks as throttling', () => {
    for (const name of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TransactionConflictException', 'SlowDown']) expect(isRefusedUnapplied(named(name))).toBe(true);
    expect(isRefusedUnapplied(named('Whatever', { $retryable: { throttling: true } }))).toBe(true);
    expect(isRefusedUnapplied(named('ServiceUnavailable', { $retryable: {} }))).toBe(false);
    expect(isRefusedUnapplied(null)).toBe(false);
    expect(isRefusedUnapplied('ThrottlingException')).toBe(false);
  });
});
