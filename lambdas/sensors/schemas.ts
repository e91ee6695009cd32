import * as z from 'zod';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { SENSOR_TYPES } from './sensor-config';

/** Validation schemas of the sensors domain's operations (also the OpenAPI source). */

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const name = () => z.string().regex(NAME, 'must be 1-128 characters of A-Z a-z 0-9 _ . -');
const params = z.record(z.string(), z.unknown());

/**
 * `config` is checked against its sensor_type's schema by the service (so its errors carry
 * `config.<field>` paths); here it only has to be an object.
 */
export const createSensorBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    sensor_type: z.enum(SENSOR_TYPES),
    deployment_name: name().optional(),
    flow_name: name().optional(),
    flow_version: name().optional(),
    flow_params: params.optional(),
    config: z.record(z.string(), z.unknown()),
    enabled: z.boolean().optional(),
  })
  .strict();
export type CreateSensorInput = z.output<typeof createSensorBody>;

export const updateSensorBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    deployment_name: name().nullable().optional(),
    flow_name: name().optional(),
    flow_version: name().nullable().optional(),
    flow_params: params.optional(),
    /** Replaces the whole configuration (of the sensor's own type). */
    config: z.record(z.string(), z.unknown()).optional(),
    enabled: z.boolean().optional(),
    /** Webhook sensors: issue a new token (shown in this response only); the old one stops working. */
    rotate_webhook_token: z.boolean().optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type UpdateSensorInput = z.output<typeof updateSensorBody>;

export const listSensorsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional(), cursor: z.string().max(2048).optional() }).strict();

const sensorView = z.object({
  org_id: z.string(),
  sensor_id: z.string(),
  name: z.string(),
  sensor_type: z.enum(SENSOR_TYPES),
  flow_name: z.string(),
  flow_version: z.string().nullable(),
  deployment_name: z.string().nullable(),
  flow_params: params,
  config: params,
  flow_params_json: z.string(),
  config_json: z.string(),
  enabled: z.boolean(),
  last_triggered_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
  next_poll_at: z.string().nullable().optional(),
  last_polled_at: z.string().nullable().optional(),
  last_poll_error: z.string().nullable().optional(),
  /** Webhook sensors, at creation (and rotation) only: the token and the path to call. */
  webhook_token: z.string().optional(),
  webhook_path: z.string().optional(),
});

const hookResult = z.object({
  sensor_id: z.string(),
  run_id: z.string(),
  run_slug: z.string(),
  status: z.string(),
  /** False when this delivery had already started the run (a retried or replayed delivery). */
  created: z.boolean(),
});

export const SENSORS_SCHEMAS: OperationSchemas = {
  listSensors: { query: listSensorsQuery, response: { status: 200, body: z.object({ items: z.array(sensorView), next_cursor: z.string().nullable() }) } },
  createSensor: { body: createSensorBody, response: { status: 201, body: sensorView } },
  getSensor: { response: { status: 200, body: sensorView } },
  updateSensor: { body: updateSensorBody, response: { status: 200, body: sensorView } },
  deleteSensor: { response: { status: 204 } },
  triggerWebhook: { body: params, response: { status: 202, body: hookResult } },
};
