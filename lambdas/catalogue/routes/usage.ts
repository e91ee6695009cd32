import type { RouteDef } from './types';

export const USAGE_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/usage', domain: 'usage', operation: 'getUsage', permission: 'usage:read', summary: 'Usage aggregates of a period (period=YYYY-MM, default the current month), with the monthly budget' },
  { method: 'GET', path: '/v1/usage/events', domain: 'usage', operation: 'listUsageEvents', permission: 'usage:read', summary: 'Usage events of a period, oldest first (paginated)' },
];
