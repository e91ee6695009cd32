import { createFunction } from './authorizer-app';

export const handler = createFunction(process.env);
