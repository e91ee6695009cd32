import { createEvaluatorFunction } from './evaluator-app';

export const handler = createEvaluatorFunction(process.env);
