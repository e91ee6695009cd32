import { createFunction } from './app';

export const handler = createFunction(process.env);
