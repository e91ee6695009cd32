import { createFunction } from './task-runner/app';

export const handler = createFunction(process.env);
