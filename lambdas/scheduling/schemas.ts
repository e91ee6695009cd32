import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the scheduling domain's operations (also the OpenAPI source). */
export const SCHEDULING_SCHEMAS: OperationSchemas = {};
