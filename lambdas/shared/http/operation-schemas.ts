import type { z } from 'zod';

/**
 * The validation schemas of a domain's operations, by operation name. Handlers parse with them and
 * the OpenAPI document is generated from them, so the two cannot disagree.
 */
export interface OperationSchema {
  body?: z.ZodType;
  query?: z.ZodType;
  /** Successful response status and body shape (documentation). */
  response?: { status: number; body?: z.ZodType };
}

export type OperationSchemas = Record<string, OperationSchema>;
