import type { RouteDef } from './types';

const SENSOR_BODY = 64 * 1024;
/** A webhook's JSON body becomes the run's parameters. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export const SENSORS_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/sensors', domain: 'sensors', operation: 'listSensors', permission: 'sensors:read', summary: 'Sensors of the organization (paginated)' },
  { method: 'POST', path: '/v1/sensors', domain: 'sensors', operation: 'createSensor', permission: 'sensors:write', summary: 'Create an s3, webhook or polling sensor (a webhook token is shown in this response only)', maxBodyBytes: SENSOR_BODY },
  { method: 'GET', path: '/v1/sensors/{sensor_id}', domain: 'sensors', operation: 'getSensor', permission: 'sensors:read', summary: 'A sensor' },
  { method: 'PATCH', path: '/v1/sensors/{sensor_id}', domain: 'sensors', operation: 'updateSensor', permission: 'sensors:write', summary: 'Change, enable or disable a sensor, or rotate its webhook token (If-Match pins the version)', maxBodyBytes: SENSOR_BODY },
  { method: 'DELETE', path: '/v1/sensors/{sensor_id}', domain: 'sensors', operation: 'deleteSensor', permission: 'sensors:write', summary: 'Delete a sensor' },
  { method: 'POST', path: '/v1/hooks/{token}', domain: 'sensors', operation: 'triggerWebhook', permission: 'public', summary: 'Webhook: start a run of the sensor the token names, with the JSON body as parameters (optional HMAC signature)', maxBodyBytes: WEBHOOK_BODY_LIMIT },
];
