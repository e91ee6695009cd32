import { instrumentedFunction } from '../shared/instrument';
import { createLeaseSweeperFunction } from './lease-sweeper-app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = instrumentedFunction(createLeaseSweeperFunction, process.env);
