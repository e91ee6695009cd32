import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the flows domain's operations (also the OpenAPI source). */
export const FLOWS_SCHEMAS: OperationSchemas = {};
