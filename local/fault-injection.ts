/** Test and bench only: failing AWS calls of the local platform's functions on purpose (startPlatform's awsMiddleware). */
import type { AwsCall, AwsClientMiddleware } from '../lambdas/shared/aws-clients';

/** A DynamoDB write as the functions send it (through the document client or the plain client). */
export function isDynamoWrite(call: AwsCall): boolean {
  return call.service === 'ddb' && /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(call.command);
}

/** The error DynamoDB answers when a partition is over its throughput (the SDK marks it a throttle). */
export function throttleError(): Error {
  return Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded (injected)'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $retryable: { throttling: true },
    $metadata: { httpStatusCode: 400 },
  });
}

export interface FaultRule {
  /** Which calls it may fail. */
  match: (call: AwsCall) => boolean;
  /** Share of matching calls failed (1: every one). */
  rate: number;
  /** How many it fails at most (Infinity: no limit). */
  times: number;
  error: () => Error;
  /** Calls it failed so far. */
  failed: AwsCall[];
}

/**
 * Fault injection on the local platform: a middleware on every function's AWS clients (the
 * `awsMiddleware` hook of startPlatform) that fails the calls the active rules match, before they
 * leave the function (so the SDK does not retry them: harsher than DynamoDB itself).
 */
export function createFaultInjector(random: () => number = Math.random) {
  const rules = new Set<FaultRule>();
  const middleware: AwsClientMiddleware = async (call, next) => {
    for (const rule of rules) {
      if (rule.failed.length >= rule.times || !rule.match(call) || random() >= rule.rate) continue;
      rule.failed.push(call);
      throw rule.error();
    }
    return next();
  };
  return {
    middleware,
    /** Adds a rule; returns it (its `failed` list grows) and a function that removes it. */
    add(rule: Omit<FaultRule, 'failed'>): FaultRule & { stop(): void } {
      const full: FaultRule = { ...rule, failed: [] };
      rules.add(full);
      return Object.assign(full, { stop: () => rules.delete(full) });
    },
    clear: () => rules.clear(),
  };
}
export type FaultInjector = ReturnType<typeof createFaultInjector>;
