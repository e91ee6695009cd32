import { ENV } from '../../catalogue/environment';
import { ConfigError, type EnvSource, type FunctionConfig } from '../config';

/** What the egress guard lets through beyond public https. */
export interface EgressPolicy {
  /**
   * Loopback addresses (over http or https) may be reached: true only on the local platform
   * started with its explicit test flag, so its tests can run HTTP tasks and polling sensors
   * against receivers on 127.0.0.1. Never set in AWS.
   */
  allowLoopbackHttp: boolean;
}

/** Public https only: what every deployed function gets. */
export const STRICT_EGRESS: EgressPolicy = { allowLoopbackHttp: false };

/**
 * Reads the one egress variable, checked: absent, empty or "false" is the strict policy; "true"
 * is accepted only on the local stage (a deployed function refusing to start is better than one
 * that reaches the metadata endpoint's neighbours); anything else is a configuration error.
 */
export function egressPolicyFromEnv(env: EnvSource): EgressPolicy {
  const name = ENV.egressAllowLoopbackHttp;
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return STRICT_EGRESS;
  if (raw !== 'true') throw new ConfigError(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
  if (env[ENV.stage] !== 'local') throw new ConfigError(`${name}=true is allowed only on the local platform (stage "local"), not on stage ${JSON.stringify(env[ENV.stage])}`);
  return { allowLoopbackHttp: true };
}

/** The same, from a function's checked configuration. */
export function egressPolicyOf(config: FunctionConfig): EgressPolicy {
  return egressPolicyFromEnv({ [ENV.stage]: config.stage, [ENV.egressAllowLoopbackHttp]: config.optional(ENV.egressAllowLoopbackHttp) });
}
