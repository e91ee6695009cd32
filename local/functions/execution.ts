import type { FunctionLoaders } from './types';

/** Factories of the execution domain's functions (the same ones its Lambda entries call). */
export const EXECUTION_LOADERS: FunctionLoaders = {
  'http-execution': async () => (await import('../../lambdas/execution/app')).createFunction,
};
