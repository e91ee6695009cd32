import type { FunctionLoaders } from './types';

/** Factories of the platform domain's functions (the same ones its Lambda entries call). */
export const PLATFORM_LOADERS: FunctionLoaders = {
  'http-platform': async () => (await import('../../lambdas/platform/app')).createFunction,
};
