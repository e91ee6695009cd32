import type { FunctionLoaders } from './types';
import { EXECUTION_LOADERS } from './execution';
import { FLOWS_LOADERS } from './flows';
import { IDENTITY_LOADERS } from './identity';
import { PLATFORM_LOADERS } from './platform';
import { SCHEDULING_LOADERS } from './scheduling';
import { SECRETS_LOADERS } from './secrets';
import { SENSORS_LOADERS } from './sensors';
import { ALERTS_LOADERS } from './alerts';
import { USAGE_LOADERS } from './usage';

export type { FunctionLoader, FunctionLoaders } from './types';

/** Where each function's factory lives, by function name (one file per domain). */
export const FUNCTION_LOADERS: FunctionLoaders = {
  ...PLATFORM_LOADERS,
  ...IDENTITY_LOADERS,
  ...FLOWS_LOADERS,
  ...SECRETS_LOADERS,
  ...EXECUTION_LOADERS,
  ...SCHEDULING_LOADERS,
  ...SENSORS_LOADERS,
  ...ALERTS_LOADERS,
  ...USAGE_LOADERS,
};
