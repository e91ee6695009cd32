import { instrumentedFunction } from '../shared/instrument';
import { createEvaluatorFunction } from './evaluator-app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = instrumentedFunction(createEvaluatorFunction, process.env);
