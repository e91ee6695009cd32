import type { BucketName, FunctionName } from './functions';
import { ECS_ORDERS_PREFIX } from './environment';

export const DAGY_EVENT_SOURCE = 'dagy';

/** Events Dagy emits on its own bus; later consumers (alerts, usage) subscribe by detail-type. */
export const EMITTED_EVENTS = {
  runStatusChanged: { source: `${DAGY_EVENT_SOURCE}.execution`, detailType: 'Run Status Changed' },
  taskRunStatusChanged: { source: `${DAGY_EVENT_SOURCE}.execution`, detailType: 'Task Run Status Changed' },
  scheduleSlotSkipped: { source: `${DAGY_EVENT_SOURCE}.scheduling`, detailType: 'Schedule Slot Skipped' },
  sensorFired: { source: `${DAGY_EVENT_SOURCE}.sensors`, detailType: 'Sensor Fired' },
} as const;

/** An EventBridge pattern (the subset Dagy uses: exact values, prefix, anything-but not needed). */
export type PatternValue = string | number | boolean | { prefix: string } | { exists: boolean };
export interface EventPattern {
  source?: string[];
  'detail-type'?: string[];
  detail?: Record<string, unknown>;
}

export type RuleDef =
  | {
      kind: 'pattern';
      name: string;
      /** 'default' for AWS service events (S3), 'dagy' for Dagy's own bus. */
      bus: 'default' | 'dagy';
      pattern: EventPattern;
      /** S3 events of this bucket only: its name is filled in by lib/ and the local platform. */
      matchBucket?: BucketName;
      target: FunctionName;
      description: string;
    }
  | {
      kind: 'schedule';
      name: string;
      /** EventBridge schedule expression. */
      expression: 'rate(1 minute)';
      everySeconds: number;
      target: FunctionName;
      description: string;
    };

export const RULES: RuleDef[] = [
  {
    kind: 'schedule',
    name: 'schedule-evaluator-tick',
    expression: 'rate(1 minute)',
    everySeconds: 60,
    target: 'schedule-evaluator',
    description: 'evaluate due schedules every minute',
  },
  {
    kind: 'schedule',
    name: 'sensor-poller-tick',
    expression: 'rate(1 minute)',
    everySeconds: 60,
    target: 'sensor-poller',
    description: 'poll due polling sensors every minute',
  },
  {
    kind: 'schedule',
    name: 'run-reconciler-tick',
    expression: 'rate(1 minute)',
    everySeconds: 60,
    target: 'run-reconciler',
    description: 'sweep runs left QUEUED or RUNNING without a live execution',
  },
  {
    kind: 'pattern',
    name: 'ingest-object-created',
    bus: 'default',
    pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] },
    matchBucket: 'ingest',
    target: 's3-sensor',
    description: 'S3 Object Created in the ingest bucket → s3 sensors',
  },
  {
    kind: 'pattern',
    name: 'ecs-result-stored',
    bus: 'default',
    pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: `${ECS_ORDERS_PREFIX}/` }] } } },
    matchBucket: 'artifacts',
    target: 'run-orchestrator',
    description: 'an ECS runner container (which holds no credential) stored its progress or result → the orchestrator records it and wakes the run loop',
  },
  {
    kind: 'pattern',
    name: 'run-status-alerts',
    bus: 'dagy',
    pattern: {
      source: [EMITTED_EVENTS.runStatusChanged.source],
      'detail-type': [EMITTED_EVENTS.runStatusChanged.detailType],
      // Only finished runs can match a condition; RUNNING is watched by the SLA tick below.
      detail: { status: ['FAILED', 'SUCCEEDED', 'CANCELLED'] },
    },
    target: 'alert-dispatcher',
    description: 'Run Status Changed (finished runs) → alert rules',
  },
  {
    kind: 'schedule',
    name: 'alert-sla-tick',
    expression: 'rate(1 minute)',
    everySeconds: 60,
    target: 'alert-dispatcher',
    description: 'every minute: run_duration_exceeded rules against RUNNING runs, budget_threshold rules against the period spend',
  },
  {
    kind: 'pattern',
    name: 'usage-run-status',
    bus: 'dagy',
    pattern: {
      source: [EMITTED_EVENTS.runStatusChanged.source],
      'detail-type': [EMITTED_EVENTS.runStatusChanged.detailType],
      // A run started or ended (QUEUED is not metered).
      detail: { status: ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] },
    },
    target: 'usage-meter',
    description: 'Run Status Changed (started, ended) → usage events and aggregates',
  },
  {
    kind: 'pattern',
    name: 'usage-task-attempts',
    bus: 'dagy',
    pattern: {
      source: [EMITTED_EVENTS.taskRunStatusChanged.source],
      'detail-type': [EMITTED_EVENTS.taskRunStatusChanged.detailType],
      // An attempt ended (→ SUCCEEDED, FAILED, or PENDING for a retry): its task seconds.
      detail: { previous_status: ['RUNNING'] },
    },
    target: 'usage-meter',
    description: 'Task Run Status Changed (an attempt ended) → task seconds per executor',
  },
  {
    kind: 'schedule',
    name: 'lease-sweeper-tick',
    expression: 'rate(1 minute)',
    everySeconds: 60,
    target: 'lease-sweeper',
    description: 'release expired run slot leases and start waiting runs every minute',
  },
];

/**
 * Matches an event against a pattern the way EventBridge does for the subset used here:
 * every pattern field must match; arrays are alternatives; objects recurse into detail.
 */
export function matchesPattern(pattern: EventPattern, event: { source: string; 'detail-type': string; detail: unknown }): boolean {
  if (pattern.source !== undefined && !pattern.source.includes(event.source)) return false;
  if (pattern['detail-type'] !== undefined && !pattern['detail-type'].includes(event['detail-type'])) return false;
  if (pattern.detail !== undefined) return matchObject(pattern.detail, event.detail);
  return true;
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = record[key];
    if (Array.isArray(expected)) return expected.some((alt) => matchValue(alt, actual));
    if (typeof expected === 'object' && expected !== null) return matchObject(expected as Record<string, unknown>, actual);
    return false;
  });
}

function matchValue(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'object' && expected !== null) {
    const rule = expected as Record<string, unknown>;
    if (typeof rule.prefix === 'string') return typeof actual === 'string' && actual.startsWith(rule.prefix);
    if (typeof rule.exists === 'boolean') return (actual !== undefined) === rule.exists;
    return false;
  }
  return expected === actual;
}
