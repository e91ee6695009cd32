import type { FunctionLoaders } from './types';

/** Factories of the identity domain's functions (the same ones its Lambda entries call). */
export const IDENTITY_LOADERS: FunctionLoaders = {
  'http-identity': async () => (await import('../../lambdas/identity/app')).createFunction,
  authorizer: async () => (await import('../../lambdas/identity/authorizer-app')).createFunction,
};
