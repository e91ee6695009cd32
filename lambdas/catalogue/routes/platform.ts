import type { RouteDef } from './types';

export const PLATFORM_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/health', domain: 'platform', operation: 'health', permission: 'public', summary: 'Liveness: table count and stores status' },
  { method: 'GET', path: '/v1/openapi.json', domain: 'platform', operation: 'openapi', permission: 'public', summary: 'The OpenAPI document of this API' },
];
