import { lambdaHandler } from '../shared/lambda-entry';
import { createFunction } from './app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = lambdaHandler(createFunction);
