import type { FunctionLoaders } from './types';

/** Factories of the alerts domain's functions (the same ones its Lambda entries call). */
export const ALERTS_LOADERS: FunctionLoaders = {
  'http-alerts': async () => (await import('../../lambdas/alerts/app')).createFunction,
  'alert-dispatcher': async () => (await import('../../lambdas/alerts/dispatcher-app')).createDispatcherFunction,
};
