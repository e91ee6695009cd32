import type { FunctionLoaders } from './types';

/** Factories of the secrets domain's functions (the same ones its Lambda entries call). */
export const SECRETS_LOADERS: FunctionLoaders = {
  'http-secrets': async () => (await import('../../lambdas/secrets/app')).createFunction,
};
