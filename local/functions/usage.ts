import type { FunctionLoaders } from './types';

/** Factories of the usage domain's functions (the same ones its Lambda entries call). */
export const USAGE_LOADERS: FunctionLoaders = {
  'http-usage': async () => (await import('../../lambdas/usage/app')).createFunction,
  'usage-meter': async () => (await import('../../lambdas/usage/meter-app')).createFunction,
};
