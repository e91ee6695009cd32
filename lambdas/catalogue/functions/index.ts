import type { FunctionDef, FunctionName, HttpDomain } from './types';
import { PLATFORM_FUNCTIONS } from './platform';
import { IDENTITY_FUNCTIONS } from './identity';
import { FLOWS_FUNCTIONS } from './flows';
import { SECRETS_FUNCTIONS } from './secrets';
import { EXECUTION_FUNCTIONS } from './execution';
import { SCHEDULING_FUNCTIONS } from './scheduling';
import { SENSORS_FUNCTIONS } from './sensors';
import { ALERTS_FUNCTIONS } from './alerts';
import { USAGE_FUNCTIONS } from './usage';
import { BILLING_FUNCTIONS } from './billing';

export * from './types';
export * from './aws-services';

const ALL: FunctionDef[] = [
  ...PLATFORM_FUNCTIONS,
  ...IDENTITY_FUNCTIONS,
  ...FLOWS_FUNCTIONS,
  ...SECRETS_FUNCTIONS,
  ...EXECUTION_FUNCTIONS,
  ...SCHEDULING_FUNCTIONS,
  ...SENSORS_FUNCTIONS,
  ...ALERTS_FUNCTIONS,
  ...USAGE_FUNCTIONS,
  ...BILLING_FUNCTIONS,
];

/** Every Lambda function of Dagy (one file per domain). CDK builds them; the local platform hosts them. */
export const FUNCTIONS = Object.fromEntries(ALL.map((def) => [def.name, def])) as Record<FunctionName, FunctionDef>;

export function httpFunctionName(domain: HttpDomain): FunctionName {
  return `http-${domain}`;
}
