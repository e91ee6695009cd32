import type { FunctionName } from './functions';

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
      /** The ingest bucket is filled in by lib/ and the local platform. */
      matchIngestBucket?: boolean;
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
    matchIngestBucket: true,
    target: 's3-sensor',
    description: 'S3 Object Created in the ingest bucket → s3 sensors',
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
