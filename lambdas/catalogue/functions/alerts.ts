import type { FunctionDef } from './types';

export const ALERTS_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-alerts',
    entry: 'lambdas/alerts/handler.ts',
    description: 'notification channels, alert rules and deliveries',
    tables: {
      AccessLog: 'append',
      NotificationChannel: 'readwrite',
      AlertRule: 'readwrite',
      AuditLog: 'append',
    },
    buckets: {},
    // Channel credentials are sealed (kms); the test route delivers through every channel type.
    capabilities: ['kms:secrets', 'ses:send', 'sns:publish'],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    name: 'alert-dispatcher',
    entry: 'lambdas/alerts/dispatcher-handler.ts',
    description: 'Run Status Changed and every minute (SLA, budget): matches alert rules and delivers to their channels',
    tables: {
      NotificationChannel: 'readwrite',
      AlertRule: 'readwrite',
      // Runs by status (SLA) and the history of a flow or deployment (consecutive failures).
      Run: 'read',
      // The failed task and its error, named in the message.
      TaskRun: 'read',
      // Tags filters match the run's deployment's (or flow version's) tags.
      Deployment: 'read',
      Flow: 'read',
      // budget_threshold: the monthly budget (Subscription item) and the period's cost_usd aggregate.
      Subscription: 'read',
      UsageAggregate: 'read',
    },
    buckets: {},
    capabilities: ['kms:secrets', 'ses:send', 'sns:publish'],
    memoryMb: 256,
    // Deliveries retry with backoff inside one invocation (up to ~18 s per channel by default),
    // and one event may fire several rules.
    timeoutSeconds: 300,
  },
];
