import { instrumentedFunction } from '../shared/instrument';
import { createFunction } from './app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = instrumentedFunction(createFunction, process.env);
