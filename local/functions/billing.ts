import type { FunctionLoaders } from './types';

/** Factories of the billing domain's functions (the same ones its Lambda entries call). */
export const BILLING_LOADERS: FunctionLoaders = {
  'http-billing': async () => (await import('../../lambdas/billing/app')).createFunction,
};
