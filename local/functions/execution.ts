import type { FunctionLoaders } from './types';

/** Factories of the execution domain's functions (the same ones its Lambda entries call). */
export const EXECUTION_LOADERS: FunctionLoaders = {
  'http-execution': async () => (await import('../../lambdas/execution/app')).createFunction,
  'run-orchestrator': async () => (await import('../../lambdas/execution/orchestrator/app')).createFunction,
  'task-runner': async () => (await import('../../lambdas/execution/task-runner/app')).createFunction,
  'lease-sweeper': async () => (await import('../../lambdas/execution/lease-sweeper-app')).createLeaseSweeperFunction,
  'run-reconciler': async () => (await import('../../lambdas/execution/reconciler/app')).createFunction,
};
