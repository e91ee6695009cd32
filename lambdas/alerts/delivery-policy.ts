// How hard a delivery tries: attempts and the backoff between them (base, doubling: 1 s, 2 s by
// default), read once at cold start from optional variables with these documented defaults.
import { ENV } from '../catalogue/environment';
import { ConfigError, type FunctionConfig } from '../shared/config';

export interface DeliveryPolicy {
  maxAttempts: number;
  /** Wait before the 2nd attempt; each later wait doubles. */
  baseDelayMs: number;
  /** One HTTP attempt's time limit. */
  timeoutMs: number;
  /** Largest response body read from a receiver. */
  maxResponseBytes: number;
}

/**
 * 3 attempts of at most 5 s with 1 s + 2 s between them: ~18 s at worst, inside the 30 s an API
 * Gateway request may last (POST .../test delivers while the caller waits).
 */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 3, baseDelayMs: 1000, timeoutMs: 5000, maxResponseBytes: 64 * 1024 };

function intVar(config: FunctionConfig, name: string, min: number, max: number, fallback: number): number {
  const raw = config.optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return value;
}

export function deliveryPolicyOf(config: FunctionConfig): DeliveryPolicy {
  return {
    ...DEFAULT_DELIVERY_POLICY,
    maxAttempts: intVar(config, ENV.alertDeliveryAttempts, 1, 10, DEFAULT_DELIVERY_POLICY.maxAttempts),
    baseDelayMs: intVar(config, ENV.alertRetryBaseMs, 0, 60_000, DEFAULT_DELIVERY_POLICY.baseDelayMs),
  };
}

/** The wait before attempt `attempt` (2, 3, …). */
export function backoffMs(policy: DeliveryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** (attempt - 2);
}
