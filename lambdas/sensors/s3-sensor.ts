// S3 "Object Created" events (EventBridge, from the ingest bucket) → the matching s3 sensors.
// Organizations share the ingest bucket and own its `<org_id>/` folders: an object's first key
// segment names the organization, and only that organization's sensors of the bucket are read
// (by-s3-bucket index, partition <bucket>#<org_id>). A sensor matches on its prefix (under the
// folder) and suffix, and starts one run per object version: the idempotency key comes from
// bucket + key + version-id (or etag + sequencer), so the same event delivered twice is one run.
import { sha256Hex } from '../identity/tokens';
import { isPermanentStartFailure } from '../scheduling/run-trigger';
import type { Logger } from '../shared/logger';
import { orgKeyPrefix, type S3SensorConfig } from './sensor-config';
import type { SensorRecord } from './sensor-record';
import { startSensorRun, type SensorRunDeps } from './sensor-runs';

export interface S3ObjectDetail {
  bucket: { name: string };
  object: { key: string; size?: number; etag?: string; 'version-id'?: string; sequencer?: string };
}

export interface S3SensorReport {
  matched: number;
  runs_created: number;
  runs_existing: number;
  failed: number;
}

export interface S3SensorDeps extends SensorRunDeps {
  logger: Logger;
}

function objectDetail(event: unknown): S3ObjectDetail | null {
  if (typeof event !== 'object' || event === null) return null;
  const e = event as { source?: unknown; 'detail-type'?: unknown; detail?: unknown };
  if (e.source !== 'aws.s3' || e['detail-type'] !== 'Object Created') return null;
  const d = e.detail as Partial<S3ObjectDetail> | undefined;
  if (typeof d?.bucket?.name !== 'string' || typeof d.object?.key !== 'string') return null;
  return d as S3ObjectDetail;
}

/** The sensor's match: its prefix under the organization's folder, and its suffix. */
export function s3SensorMatches(sensor: SensorRecord, key: string): boolean {
  const config = sensor.config as S3SensorConfig;
  if (!key.startsWith(orgKeyPrefix(sensor.org_id, config.prefix))) return false;
  return config.suffix === undefined || key.endsWith(config.suffix);
}

/** One object version: the same event delivered again gives the same key. */
export function objectVersionKey(sensorId: string, detail: S3ObjectDetail): string {
  const o = detail.object;
  const version = o['version-id'] !== undefined && o['version-id'] !== '' ? `v:${o['version-id']}` : `e:${o.etag ?? ''}:${o.sequencer ?? ''}`;
  return `s3:${sensorId}:${sha256Hex(`${detail.bucket.name}\n${o.key}\n${version}`)}`;
}


export async function handleObjectCreated(
  deps: S3SensorDeps,
  event: unknown,
  sensorsOf: (bucket: string, orgId: string) => Promise<SensorRecord[]>,
): Promise<S3SensorReport> {
  const report: S3SensorReport = { matched: 0, runs_created: 0, runs_existing: 0, failed: 0 };
  const detail = objectDetail(event);
  if (detail === null) return report;
  const slash = detail.object.key.indexOf('/');
  if (slash <= 0) return report; // not under an organization's folder
  const orgId = detail.object.key.slice(0, slash);
  const sensors = (await sensorsOf(detail.bucket.name, orgId)).filter((s) => s.enabled && s3SensorMatches(s, detail.object.key));
  report.matched = sensors.length;
  const transient: unknown[] = [];
  await Promise.all(
    sensors.map(async (sensor) => {
      try {
        const result = await startSensorRun(
          deps,
          sensor,
          { bucket: detail.bucket.name, key: detail.object.key, size: detail.object.size ?? 0, etag: detail.object.etag ?? '' },
          objectVersionKey(sensor.sensor_id, detail),
          `s3 (sensor ${sensor.sensor_id})`,
        );
        if (result.created) report.runs_created++;
        else report.runs_existing++;
      } catch (error) {
        report.failed++;
        deps.logger.warn('s3 sensor run not started', {
          org_id: sensor.org_id,
          sensor_id: sensor.sensor_id,
          key: detail.object.key,
          permanent: isPermanentStartFailure(error),
          error: error instanceof Error ? error.message : String(error),
        });
        if (!isPermanentStartFailure(error)) transient.push(error);
      }
    }),
  );
  // EventBridge retries the invocation; the runs already started are found by their keys.
  if (transient.length > 0) throw transient[0];
  return report;
}
