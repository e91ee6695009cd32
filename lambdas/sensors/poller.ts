// The polling-sensor poller (EventBridge, every minute). Reads only sensors whose poll is due
// (sparse poll-due index), claims each poll with a conditional write on the next_poll_epoch read
// (two pollers never poll one sensor twice for the same slot), polls, and keeps a cursor so that
// one change fires once:
// - http: GET a JSON document, read `field`, compare. equals / not_equals / greater_than fire when
//   the condition becomes true (false → true; a first poll that finds it true fires once);
//   changed fires when the value differs from the last poll's (the first poll sets the baseline).
// - s3_prefix: new objects under the prefix (in the organization's folder of the ingest bucket),
//   listed with ListObjectsV2 StartAfter the cursor; objects older than the sensor are not "new".
// A fire's idempotency key is derived from the cursor (the fire count, or the object's key and
// etag), and the cursor is saved only after the run started: a poll that dies in between fires
// the same key again next time, which the run starter answers with the run already made.
import { canonicalJson, getPath, type JsonObject, type JsonValue } from '../engine';
import { sha256Hex } from '../identity/tokens';
import { epochSeconds, isoNow } from '../shared/clock';
import { isPermanentStartFailure } from '../scheduling/run-trigger';
import type { Logger } from '../shared/logger';
import { orgKeyPrefix, type HttpPollConfig, type PollingSensorConfig, type S3PrefixPollConfig } from './sensor-config';
import type { PollCursor, SensorRecord } from './sensor-record';
import { POLL_SHARDS, type SensorRepository } from './sensor-repository';
import { startSensorRun, type SensorRunDeps } from './sensor-runs';

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  last_modified_ms: number;
}

export interface PollerDeps extends SensorRunDeps {
  repo: SensorRepository;
  logger: Logger;
  ingestBucket: string;
  /** GET url → parsed JSON body (throws on a non-2xx status, a non-JSON body, a refused address). */
  fetchJson(url: string, headers: Record<string, string>): Promise<unknown>;
  listObjects(bucket: string, prefix: string, startAfter: string | undefined, maxKeys: number): Promise<{ objects: ListedObject[]; truncated: boolean }>;
}

export interface PollReport {
  due: number;
  claimed: number;
  fired: number;
  errors: number;
}

/** Objects started per s3_prefix poll (the rest wait for the next poll). */
export const MAX_OBJECTS_PER_POLL = 100;

export function fieldSegments(path: string): string[] {
  return path.split('.').flatMap((part) => {
    const name = part.replace(/\[\d+\]/g, '');
    const indexes = [...part.matchAll(/\[(\d+)\]/g)].map((m) => m[1]!);
    return [name, ...indexes];
  });
}

const same = (a: JsonValue | undefined, b: JsonValue | undefined) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Does the condition hold for the value read? (`changed` is about two polls, not one value.) */
export function conditionHolds(config: HttpPollConfig, value: JsonValue | undefined): boolean {
  switch (config.condition) {
    case 'equals':
      return same(value, config.value);
    case 'not_equals':
      return !same(value, config.value);
    case 'greater_than':
      return typeof value === 'number' && typeof config.value === 'number' && value > config.value;
    case 'changed':
      return false;
  }
}


function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SensorPoller {
  constructor(private readonly deps: PollerDeps) {}

  async tick(): Promise<PollReport> {
    const now = epochSeconds(this.deps.clock);
    const due = (await Promise.all(POLL_SHARDS.map((shard) => this.deps.repo.pollDue(shard, now)))).flat();
    const report: PollReport = { due: due.length, claimed: 0, fired: 0, errors: 0 };
    await Promise.all(
      due.map(async (sensor) => {
        const config = sensor.config as PollingSensorConfig;
        if (!(await this.deps.repo.claimPoll(sensor, now + config.interval_seconds))) return;
        report.claimed++;
        try {
          await this.poll(sensor, config, report);
        } catch (error) {
          report.errors++;
          this.deps.logger.error('sensor poll failed', { org_id: sensor.org_id, sensor_id: sensor.sensor_id, error: message(error) });
        }
      }),
    );
    this.deps.logger.info('sensor poll tick', { ...report });
    return report;
  }

  private async poll(sensor: SensorRecord, config: PollingSensorConfig, report: PollReport): Promise<void> {
    const cursor: PollCursor = sensor.poll_cursor ?? { fired: 0 };
    const outcome = config.kind === 'http' ? await this.pollHttp(sensor, config, cursor) : await this.pollS3(sensor, config, cursor);
    report.fired += outcome.fired;
    if (outcome.error !== null) report.errors++;
    await this.deps.repo.savePoll(sensor, {
      cursor: outcome.cursor,
      last_polled_at: isoNow(this.deps.clock),
      last_poll_error: outcome.error,
      ...(outcome.fired > 0 ? { last_triggered_at: isoNow(this.deps.clock) } : {}),
    });
  }

  private actor(sensor: SensorRecord): string {
    return `poller (sensor ${sensor.sensor_id})`;
  }

  private async pollHttp(sensor: SensorRecord, config: HttpPollConfig, cursor: PollCursor): Promise<{ cursor: PollCursor; fired: number; error: string | null }> {
    let value: JsonValue | undefined;
    try {
      const body = await this.deps.fetchJson(config.url, config.headers ?? {});
      value = getPath(body, fieldSegments(config.field)) as JsonValue | undefined;
    } catch (error) {
      // Nothing learned: the cursor stays, the next poll tries again.
      return { cursor, fired: 0, error: `GET ${config.url}: ${message(error)}` };
    }
    const holds = conditionHolds(config, value);
    const fire = config.condition === 'changed' ? cursor.last_value !== undefined && !same(value, cursor.last_value) : holds && cursor.last_match !== true;
    const next: PollCursor = { ...cursor, last_value: value ?? null, last_match: holds };
    if (!fire) return { cursor: next, fired: 0, error: null };
    const parameters: JsonObject = { value: value ?? null, ...(cursor.last_value !== undefined ? { previous_value: cursor.last_value } : {}) };
    try {
      await startSensorRun(this.deps, sensor, parameters, `poll:${sensor.sensor_id}:${cursor.fired + 1}`, this.actor(sensor));
      return { cursor: { ...next, fired: cursor.fired + 1 }, fired: 1, error: null };
    } catch (error) {
      // A permanent failure (e.g. parameters the flow refuses) passes; any other is retried.
      if (isPermanentStartFailure(error)) return { cursor: { ...next, fired: cursor.fired + 1 }, fired: 0, error: `run not started: ${message(error)}` };
      return { cursor, fired: 0, error: `run not started (will retry): ${message(error)}` };
    }
  }

  private async pollS3(sensor: SensorRecord, config: S3PrefixPollConfig, cursor: PollCursor): Promise<{ cursor: PollCursor; fired: number; error: string | null }> {
    const bucket = this.deps.ingestBucket;
    const prefix = orgKeyPrefix(sensor.org_id, config.prefix);
    const createdMs = Date.parse(sensor.created_at);
    let startAfter = cursor.start_after;
    let fired = 0;
    let seen = 0;
    for (;;) {
      let listed: { objects: ListedObject[]; truncated: boolean };
      try {
        listed = await this.deps.listObjects(bucket, prefix, startAfter, MAX_OBJECTS_PER_POLL - seen);
      } catch (error) {
        return { cursor: { ...cursor, start_after: startAfter }, fired, error: `ListObjectsV2 ${prefix}: ${message(error)}` };
      }
      for (const object of listed.objects) {
        seen++;
        if (object.last_modified_ms >= createdMs) {
          try {
            const result = await startSensorRun(
              this.deps,
              sensor,
              { bucket, key: object.key, size: object.size, etag: object.etag },
              `s3poll:${sensor.sensor_id}:${sha256Hex(`${object.key}\n${object.etag}`)}`,
              this.actor(sensor),
            );
            if (result.created) fired++;
          } catch (error) {
            if (!isPermanentStartFailure(error)) {
              // Stop before this object: the next poll starts again from it.
              return { cursor: { ...cursor, start_after: startAfter }, fired, error: `run not started (will retry) for ${object.key}: ${message(error)}` };
            }
            this.deps.logger.warn('s3 poll run refused', { sensor_id: sensor.sensor_id, key: object.key, error: message(error) });
          }
        }
        startAfter = object.key;
      }
      if (!listed.truncated || seen >= MAX_OBJECTS_PER_POLL || listed.objects.length === 0) break;
    }
    return { cursor: { ...cursor, start_after: startAfter, fired: cursor.fired + fired }, fired, error: null };
  }
}
