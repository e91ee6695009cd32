import type { FunctionLoaders } from './types';

/** Factories of the flows domain's functions (the same ones its Lambda entries call). */
export const FLOWS_LOADERS: FunctionLoaders = {
  'http-flows': async () => (await import('../../lambdas/flows/app')).createFunction,
};
