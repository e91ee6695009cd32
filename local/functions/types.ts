import type { FunctionName } from '../../lambdas/catalogue';
import type { FunctionFactory } from '../../lambdas/shared/runtime';

export type FunctionLoader = () => Promise<FunctionFactory<never, unknown>>;
export type FunctionLoaders = Partial<Record<FunctionName, FunctionLoader>>;
