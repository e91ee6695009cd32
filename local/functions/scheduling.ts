import type { FunctionLoaders } from './types';

/** Factories of the scheduling domain's functions (the same ones its Lambda entries call). */
export const SCHEDULING_LOADERS: FunctionLoaders = {
  'http-scheduling': async () => (await import('../../lambdas/scheduling/app')).createFunction,
  'schedule-evaluator': async () => (await import('../../lambdas/scheduling/evaluator-app')).createEvaluatorFunction,
};
