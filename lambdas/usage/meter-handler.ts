import { createFunction } from './meter-app';

export const handler = createFunction(process.env);
