import { createPollerFunction } from './poller-app';

export const handler = createPollerFunction(process.env);
