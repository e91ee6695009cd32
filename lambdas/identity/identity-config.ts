import type { FunctionConfig } from '../shared/config';
import { ConfigError } from '../shared/config';
import { ENV } from '../catalogue/environment';

/**
 * Tunables of the identity domain: optional variables with their defaults in this one place
 * (a deployment may shorten token lifetimes without a code change).
 */
export const IDENTITY_ENV = {
  accessTokenTtlSeconds: 'DAGY_ACCESS_TOKEN_TTL_SECONDS',
  loginMaxFailures: 'DAGY_LOGIN_MAX_FAILURES',
  loginMaxFailuresPerSource: 'DAGY_LOGIN_MAX_FAILURES_PER_SOURCE',
  loginLockoutSeconds: 'DAGY_LOGIN_LOCKOUT_SECONDS',
  signupEnabled: ENV.signupEnabled,
} as const;

export const IDENTITY_DEFAULTS = {
  /** 12 hours. */
  accessTokenTtlSeconds: 12 * 3600,
  /** Failed logins for one email within the window before it answers 429. */
  loginMaxFailures: 5,
  /** Failed logins from one source address (any emails) within the window before it answers 429. */
  loginMaxFailuresPerSource: 50,
  /** The failure window, and how long a locked email waits. */
  loginLockoutSeconds: 15 * 60,
  /** Open signup; a stage turns it off (cdk -c signupEnabled=false) and bootstraps its first owner. */
  signupEnabled: true,
} as const;

export interface IdentitySettings {
  accessTokenTtlSeconds: number;
  loginMaxFailures: number;
  loginMaxFailuresPerSource: number;
  loginLockoutSeconds: number;
  signupEnabled: boolean;
}

function positiveInt(config: FunctionConfig, name: string, fallback: number): number {
  const raw = config.optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function flag(config: FunctionConfig, name: string, fallback: boolean): boolean {
  const raw = config.optional(name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
}

export function loadIdentitySettings(config: FunctionConfig): IdentitySettings {
  return {
    accessTokenTtlSeconds: positiveInt(config, IDENTITY_ENV.accessTokenTtlSeconds, IDENTITY_DEFAULTS.accessTokenTtlSeconds),
    loginMaxFailures: positiveInt(config, IDENTITY_ENV.loginMaxFailures, IDENTITY_DEFAULTS.loginMaxFailures),
    loginMaxFailuresPerSource: positiveInt(config, IDENTITY_ENV.loginMaxFailuresPerSource, IDENTITY_DEFAULTS.loginMaxFailuresPerSource),
    loginLockoutSeconds: positiveInt(config, IDENTITY_ENV.loginLockoutSeconds, IDENTITY_DEFAULTS.loginLockoutSeconds),
    signupEnabled: flag(config, IDENTITY_ENV.signupEnabled, IDENTITY_DEFAULTS.signupEnabled),
  };
}
