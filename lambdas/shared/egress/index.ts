// The egress guard: every outbound request made on a tenant's behalf goes through guardedFetch.
export { addressRefusal, type AddressRefusal } from './address-policy';
export { EgressRefusedError } from './egress-error';
export { egressPolicyFromEnv, egressPolicyOf, STRICT_EGRESS, type EgressPolicy } from './egress-policy';
export { guardedFetch, MAX_REDIRECTS, systemResolver, type GuardedRequest, type GuardedResponse, type Resolver } from './guarded-fetch';
export { refusedLiteralUrl } from './target-url';
