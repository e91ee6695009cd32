import type { RouteDef } from './types';

const ALERTS_BODY = 64 * 1024;

// Reads (channels, rules, deliveries) for every member; changes and test sends for admins, since
// channels hold delivery credentials (lambdas/catalogue/roles.ts alerts:manage).
export const ALERTS_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/notification-channels', domain: 'alerts', operation: 'listChannels', permission: 'alerts:read', summary: 'Notification channels of the organization (paginated; credentials masked)' },
  { method: 'POST', path: '/v1/notification-channels', domain: 'alerts', operation: 'createChannel', permission: 'alerts:manage', summary: 'Create a webhook, slack, email or sns channel (a webhook signing secret is shown in this response only)', maxBodyBytes: ALERTS_BODY },
  { method: 'GET', path: '/v1/notification-channels/{channel_id}', domain: 'alerts', operation: 'getChannel', permission: 'alerts:read', summary: 'A notification channel (credentials masked)' },
  { method: 'PATCH', path: '/v1/notification-channels/{channel_id}', domain: 'alerts', operation: 'updateChannel', permission: 'alerts:manage', summary: 'Rename, enable or disable a channel, or replace its configuration (If-Match pins the version)', maxBodyBytes: ALERTS_BODY },
  { method: 'DELETE', path: '/v1/notification-channels/{channel_id}', domain: 'alerts', operation: 'deleteChannel', permission: 'alerts:manage', summary: 'Delete a channel no alert rule uses' },
  { method: 'POST', path: '/v1/notification-channels/{channel_id}/test', domain: 'alerts', operation: 'testChannel', permission: 'alerts:manage', summary: 'Send a test message through the channel and return the recorded delivery' },
  { method: 'GET', path: '/v1/notification-channels/{channel_id}/deliveries', domain: 'alerts', operation: 'listDeliveries', permission: 'alerts:read', summary: "A channel's deliveries, newest first: status, attempts, last error (paginated)" },
  { method: 'GET', path: '/v1/alert-rules', domain: 'alerts', operation: 'listRules', permission: 'alerts:read', summary: 'Alert rules of the organization (paginated)' },
  { method: 'POST', path: '/v1/alert-rules', domain: 'alerts', operation: 'createRule', permission: 'alerts:manage', summary: 'Create an alert rule: a run condition, filters, channels of this organization, a throttle', maxBodyBytes: ALERTS_BODY },
  { method: 'GET', path: '/v1/alert-rules/{rule_id}', domain: 'alerts', operation: 'getRule', permission: 'alerts:read', summary: 'An alert rule, with when it last fired' },
  { method: 'PATCH', path: '/v1/alert-rules/{rule_id}', domain: 'alerts', operation: 'updateRule', permission: 'alerts:manage', summary: 'Change, enable or disable an alert rule (If-Match pins the version)', maxBodyBytes: ALERTS_BODY },
  { method: 'DELETE', path: '/v1/alert-rules/{rule_id}', domain: 'alerts', operation: 'deleteRule', permission: 'alerts:manage', summary: 'Delete an alert rule' },
];
