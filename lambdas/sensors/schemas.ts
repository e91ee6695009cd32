import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the sensors domain's operations (also the OpenAPI source). */
export const SENSORS_SCHEMAS: OperationSchemas = {};
