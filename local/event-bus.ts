import { randomUUID } from 'node:crypto';
import { FUNCTIONS, RULES, matchesPattern, visibilityTimeoutSeconds, type BucketName, type EventPattern, type FunctionName } from '../lambdas/catalogue';
import type { AwsEmulator, JsonBody } from './aws-emulator';
import { createLocalBatchQueue, type LocalBatchQueue } from './batch-queue';
import type { S3NotificationRecord } from './s3-local';

/** An event in EventBridge's delivery shape (what a rule's Lambda target receives). */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/**
 * Events kept in `delivered`: a long-running `npm start` otherwise kept every event it ever saw
 * (about a kilobyte each, several per task run).
 */
export const DELIVERED_KEPT = 20_000;
export const DELIVERED_TRIM_STEP = 1_000;

export type InvokeFunction = (name: FunctionName, event: unknown) => Promise<unknown>;

export interface LocalEventBus {
  /** The last DELIVERED_KEPT (up to DELIVERED_KEPT + DELIVERED_TRIM_STEP) events put on a bus, newest last (tests read them). */
  readonly delivered: Array<{ bus: string; event: BusEvent }>;
  put(bus: string, event: Omit<BusEvent, 'version' | 'id' | 'account' | 'region'>): Promise<void>;
  /** Resolves when every delivery started so far has finished (queued ones are delivered now, not after their window). */
  drain(): Promise<void>;
  /** Drains, then drops what the queues still hold invisible for a later receive. */
  stop(): Promise<void>;
}

/**
 * The local EventBridge: applies the events catalogue's pattern rules and invokes their target
 * functions asynchronously (as EventBridge does), or, for a target with a queue, sends the event
 * to its local queue (batch-queue.ts), and answers PutEvents on the emulator endpoint.
 */
export function createLocalEventBus(opts: {
  dagyBusName: string;
  buckets: Record<BucketName, string>;
  emulator: AwsEmulator;
  invoke: InvokeFunction;
  onError: (rule: string, error: unknown) => void;
}): LocalEventBus {
  const delivered: Array<{ bus: string; event: BusEvent }> = [];
  const inflight = new Set<Promise<unknown>>();
  const queues = new Map<FunctionName, LocalBatchQueue>();
  const queueOf = (target: FunctionName): LocalBatchQueue | undefined => {
    const def = FUNCTIONS[target];
    if (def.queue === undefined) return undefined;
    let queue = queues.get(target);
    if (queue === undefined) {
      queue = createLocalBatchQueue({
        target,
        delivery: def.queue,
        visibilityTimeoutMs: visibilityTimeoutSeconds(def) * 1000,
        invoke: opts.invoke,
        onDeadLetter: (messageId, reason) => opts.onError(`${target} queue`, new Error(`message ${messageId} dead-lettered after ${def.queue!.maxReceives} receives: ${reason}`)),
      });
      queues.set(target, queue);
    }
    return queue;
  };

  const rules = RULES.flatMap((rule) => {
    if (rule.kind !== 'pattern') return [];
    const pattern: EventPattern =
      rule.matchBucket !== undefined
        ? { ...rule.pattern, detail: { ...(rule.pattern.detail ?? {}), bucket: { name: [opts.buckets[rule.matchBucket]] } } }
        : rule.pattern;
    return [{ name: rule.name, bus: rule.bus === 'dagy' ? opts.dagyBusName : 'default', pattern, target: rule.target }];
  });

  const bus: LocalEventBus = {
    delivered,
    async put(busName, partial) {
      const event: BusEvent = { version: '0', id: randomUUID(), account: '000000000000', region: 'us-east-1', ...partial };
      delivered.push({ bus: busName, event });
      // Trimmed in steps, not one shift per event.
      if (delivered.length > DELIVERED_KEPT + DELIVERED_TRIM_STEP) delivered.splice(0, delivered.length - DELIVERED_KEPT);
      for (const rule of rules) {
        if (rule.bus !== busName || !matchesPattern(rule.pattern, event)) continue;
        const queue = queueOf(rule.target);
        if (queue !== undefined) {
          queue.send(JSON.stringify(event));
          continue;
        }
        const p = opts
          .invoke(rule.target, event)
          .catch((error: unknown) => opts.onError(rule.name, error))
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
    async drain() {
      // A delivery may put more events, and a queue's batch may too: until both are quiet.
      for (;;) {
        await Promise.all([...queues.values()].map((q) => q.drain()));
        if (inflight.size === 0) break;
        while (inflight.size > 0) await Promise.all([...inflight]);
      }
    },
    async stop() {
      await bus.drain();
      for (const queue of queues.values()) queue.stop();
    },
  };

  opts.emulator.register('AWSEvents.PutEvents', async (body: JsonBody) => {
    const entries = (body.Entries as Array<Record<string, unknown>> | undefined) ?? [];
    const results = [];
    for (const entry of entries) {
      const busName = String(entry.EventBusName ?? 'default').split('/').pop()!;
      await bus.put(busName, {
        source: String(entry.Source),
        'detail-type': String(entry.DetailType),
        time: entry.Time ? new Date(Number(entry.Time) * 1000 || String(entry.Time)).toISOString() : new Date().toISOString(),
        resources: (entry.Resources as string[] | undefined) ?? [],
        detail: JSON.parse(String(entry.Detail ?? '{}')),
      });
      results.push({ EventId: randomUUID() });
    }
    return { FailedEntryCount: 0, Entries: results };
  });
  return bus;
}

/** S3 notification record (s3rver) → the EventBridge "Object Created" event S3 sends in AWS. */
export function s3RecordToBusEvent(record: S3NotificationRecord): Omit<BusEvent, 'version' | 'id' | 'account' | 'region'> | null {
  if (!record.eventName.startsWith('ObjectCreated:')) return null;
  return {
    source: 'aws.s3',
    'detail-type': 'Object Created',
    time: record.eventTime,
    resources: [`arn:aws:s3:::${record.s3.bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: record.s3.bucket.name },
      object: {
        key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
        size: record.s3.object.size ?? 0,
        etag: (record.s3.object.eTag ?? '').replace(/"/g, ''),
        ...(record.s3.object.versionId ? { 'version-id': record.s3.object.versionId } : {}),
        sequencer: record.s3.object.sequencer ?? '',
      },
      'request-id': randomUUID(),
      requester: 'local',
      reason: record.eventName.split(':')[1] ?? 'PutObject',
    },
  };
}
