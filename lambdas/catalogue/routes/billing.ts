import type { RouteDef } from './types';

export const BILLING_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/subscription', domain: 'billing', operation: 'getSubscription', permission: 'org:read', summary: "The organization's plan, status, budget, limits and this month's use" },
  { method: 'PUT', path: '/v1/subscription', domain: 'billing', operation: 'putSubscription', permission: 'subscription:manage', summary: 'Change the plan, status or monthly budget (owners)' },
];
