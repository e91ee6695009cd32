import { instrumentedFunction } from '../shared/instrument';
import { createDispatcherFunction } from './dispatcher-app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = instrumentedFunction(createDispatcherFunction, process.env);
