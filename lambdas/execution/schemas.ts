import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the execution domain's operations (also the OpenAPI source). */
export const EXECUTION_SCHEMAS: OperationSchemas = {};
