import type { HttpDomain } from '../catalogue/functions';
import type { OperationSchemas } from '../shared/http/operation-schemas';

/**
 * Each domain's operation schemas, collected for the OpenAPI document. A domain adds its entry
 * here when it defines `schemas.ts`.
 */
export const DOMAIN_SCHEMAS: Partial<Record<HttpDomain, OperationSchemas>> = {};
