import type { FunctionDef } from './types';

export const SENSORS_FUNCTIONS: FunctionDef[] = [
  {
    name: 'http-sensors',
    entry: 'lambdas/sensors/handler.ts',
    description: 'sensors and the public webhook trigger',
    tables: {
      AccessLog: 'append',
      Sensor: 'readwrite',
      Flow: 'read',
      Deployment: 'read',
      Run: 'readwrite',
      TaskRun: 'readwrite',
      AuditLog: 'append',
      // The run starter checks that declared secrets exist (names only, nothing decrypted).
      Secret: 'read',
      // Plan limits (admission of the runs a webhook starts, the sensor count on create and its guard
      // limits#sensors, lambdas/billing/limit-guard.ts) and the monthly budget.
      Subscription: 'readwrite',
      UsageAggregate: 'readwrite',
    },
    // The ingest bucket's name: s3 sensor configurations must name it.
    buckets: { ingest: 'name' },
    // Webhook signing secrets are stored envelope-encrypted (sensors/signing-secret.ts).
    capabilities: ['states:start', 'events:put', 'kms:secrets'],
    memoryMb: 256,
    timeoutSeconds: 15,
  },
  {
    name: 's3-sensor',
    entry: 'lambdas/sensors/s3-sensor-handler.ts',
    description: 'S3 Object Created events: matches s3 sensors and starts runs',
    tables: { Sensor: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read', Secret: 'read', Subscription: 'readwrite', UsageAggregate: 'readwrite' },
    buckets: {},
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    name: 'sensor-poller',
    entry: 'lambdas/sensors/poller-handler.ts',
    description: 'every minute: polls due polling sensors',
    tables: { Sensor: 'readwrite', Run: 'readwrite', TaskRun: 'readwrite', Flow: 'read', Deployment: 'read', Secret: 'read', Subscription: 'readwrite', UsageAggregate: 'readwrite' },
    buckets: { ingest: 'read' },
    capabilities: ['states:start', 'events:put'],
    memoryMb: 256,
    timeoutSeconds: 120,
  },
];
