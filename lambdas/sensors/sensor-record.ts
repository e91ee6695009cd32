// A Sensor as the sensors code sees it: the seed fields (flow_params_json and config_json are
// stored as JSON text, handled here as objects) plus target, bookkeeping and polling state. Keys
// and index attributes live in sensor-repository.ts only.
import type { JsonObject, JsonValue } from '../engine';
import { publicConfig, type SensorConfig, type SensorType } from './sensor-config';

/** What a polling sensor remembers between polls, so that one change fires once. */
export interface PollCursor {
  /** http: the watched value at the last poll (undefined before the first). */
  last_value?: JsonValue;
  /** http: whether the condition held at the last poll. */
  last_match?: boolean;
  /** s3_prefix: ListObjectsV2 StartAfter (the last key seen). */
  start_after?: string;
  /** Fires so far: each fire's idempotency key carries the next number. */
  fired: number;
}

export interface SensorRecord {
  org_id: string;
  sensor_id: string;
  name: string;
  sensor_type: SensorType;
  flow_name: string;
  flow_version: string | null;
  deployment_name: string | null;
  flow_params: JsonObject;
  config: SensorConfig;
  enabled: boolean;
  /** SHA-256 hex of the webhook token (the token itself is shown once, never stored). */
  webhook_token_hash: string | null;
  last_triggered_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** Polling sensors: when the next poll is due, what it found last. */
  next_poll_epoch: number | null;
  poll_cursor: PollCursor | null;
  last_polled_at: string | null;
  last_poll_error: string | null;
}

/** The sensor as the API shows it (never the token or its hash, never the signing secret). */
export function sensorView(s: SensorRecord): Record<string, unknown> {
  const config = publicConfig(s.sensor_type, s.config);
  return {
    org_id: s.org_id,
    sensor_id: s.sensor_id,
    name: s.name,
    sensor_type: s.sensor_type,
    flow_name: s.flow_name,
    flow_version: s.flow_version,
    deployment_name: s.deployment_name,
    flow_params: s.flow_params,
    config,
    flow_params_json: JSON.stringify(s.flow_params),
    config_json: JSON.stringify(config),
    enabled: s.enabled,
    last_triggered_at: s.last_triggered_at,
    created_at: s.created_at,
    updated_at: s.updated_at,
    version: s.version,
    ...(s.sensor_type === 'polling'
      ? {
          next_poll_at: s.next_poll_epoch === null ? null : new Date(s.next_poll_epoch * 1000).toISOString(),
          last_polled_at: s.last_polled_at,
          last_poll_error: s.last_poll_error,
        }
      : {}),
  };
}
