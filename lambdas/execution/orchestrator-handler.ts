import { createFunction } from './orchestrator/app';

export const handler = createFunction(process.env);
