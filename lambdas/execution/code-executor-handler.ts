import { createFunction } from './code-executor/app';

export const handler = createFunction(process.env);
