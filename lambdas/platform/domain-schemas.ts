import type { HttpDomain } from '../catalogue/functions';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { EXECUTION_SCHEMAS } from '../execution/schemas';
import { FLOWS_SCHEMAS } from '../flows/schemas';
import { IDENTITY_SCHEMAS } from '../identity/schemas';
import { SCHEDULING_SCHEMAS } from '../scheduling/schemas';
import { SECRETS_SCHEMAS } from '../secrets/schemas';
import { SENSORS_SCHEMAS } from '../sensors/schemas';
import { ALERTS_SCHEMAS } from '../alerts/schemas';
import { USAGE_SCHEMAS } from '../usage/schemas';

/** Each domain's operation schemas, collected for the OpenAPI document. */
export const DOMAIN_SCHEMAS: Partial<Record<HttpDomain, OperationSchemas>> = {
  identity: IDENTITY_SCHEMAS,
  flows: FLOWS_SCHEMAS,
  secrets: SECRETS_SCHEMAS,
  execution: EXECUTION_SCHEMAS,
  scheduling: SCHEDULING_SCHEMAS,
  sensors: SENSORS_SCHEMAS,
  alerts: ALERTS_SCHEMAS,
  usage: USAGE_SCHEMAS,
};
