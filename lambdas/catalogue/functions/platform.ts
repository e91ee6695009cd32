import { ENTITIES, type EntityName } from '../entities';
import type { FunctionDef, TableAccess } from './types';

export const PLATFORM_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-platform',
    entry: 'lambdas/platform/handler.ts',
    description: 'health, the OpenAPI document, and 404/405 answers for unknown routes',
    tables: Object.fromEntries(ENTITIES.map((e) => [e, 'describe'])) as Record<EntityName, TableAccess>,
    buckets: { artifacts: 'read' },
    capabilities: [],
    memoryMb: 256,
    timeoutSeconds: 10,
  },
];
