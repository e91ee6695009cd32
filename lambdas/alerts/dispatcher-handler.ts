import { createDispatcherFunction } from './dispatcher-app';

export const handler = createDispatcherFunction(process.env);
