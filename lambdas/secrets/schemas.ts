import type { OperationSchemas } from '../shared/http/operation-schemas';

/** Validation schemas of the secrets domain's operations (also the OpenAPI source). */
export const SECRETS_SCHEMAS: OperationSchemas = {};
