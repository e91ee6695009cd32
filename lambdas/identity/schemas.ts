import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the identity domain's operations (also the OpenAPI source). */
export const IDENTITY_SCHEMAS: OperationSchemas = {};
