import * as z from 'zod';
import {
  HTTP_METHODS,
  MAX_TASKS,
  SECRET_NAME_PATTERN,
  TASK_EXECUTORS,
  TASK_LIMITS,
  TASK_NAME_PATTERN,
  TASK_TYPES,
  TRIGGER_RULES,
} from './flow-spec';
import { HANDLER_PATTERN } from './handler-ref';
import type { JsonValue } from './json';
import { findNonJson } from './json';

// Structural schema of the FlowSpec (types, formats, ranges, unknown fields). Cross-field rules
// (handler vs request per type, names, edges, cycles, outputs) live in validate-flow-spec.ts.
// Exported so the flows API can embed it in its request schema and OpenAPI document.

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function bounded(kind: 'integer' | 'number', limits: { min: number; max: number }) {
  const message = `must be ${kind === 'integer' ? 'an integer' : 'a number'} between ${limits.min} and ${limits.max}`;
  return (kind === 'integer' ? z.int() : z.number()).min(limits.min, message).max(limits.max, message);
}

/**
 * Any JSON value. Not z.json(): its recursive union reports errors at the outer field and sends
 * zod-to-openapi into infinite recursion. This checks the value in one walk and reports the
 * exact spot (`parameters.rows[3]`) that is not JSON.
 */
const jsonValueSchema = z.unknown().superRefine((value, ctx) => {
  const found = findNonJson(value);
  if (found) ctx.addIssue({ code: 'custom', message: found.message, path: found.path });
}) as unknown as z.ZodType<JsonValue>;

const jsonObjectSchema = z.record(z.string(), jsonValueSchema);

export const httpRequestSchema = z.strictObject({
  method: z.enum(HTTP_METHODS),
  url: z.string().refine(isHttpUrl, 'must be an absolute http:// or https:// URL'),
  headers: z.record(z.string(), z.string()).optional(),
  body: jsonValueSchema.optional(),
});

export const taskSpecSchema = z.strictObject({
  name: z.string().regex(TASK_NAME_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 _ . -'),
  type: z.enum(TASK_TYPES),
  handler: z.string().regex(HANDLER_PATTERN, "must look like 'path/module.js:exportName'").optional(),
  request: httpRequestSchema.optional(),
  executor: z.enum(TASK_EXECUTORS).optional(),
  retries: bounded('integer', TASK_LIMITS.retries).optional(),
  retry_delay_seconds: bounded('number', TASK_LIMITS.retry_delay_seconds).optional(),
  retry_backoff: bounded('number', TASK_LIMITS.retry_backoff).optional(),
  retry_max_delay_seconds: bounded('number', TASK_LIMITS.retry_max_delay_seconds).optional(),
  retry_jitter: z.boolean().optional(),
  timeout_seconds: bounded('integer', TASK_LIMITS.timeout_seconds).optional(),
  trigger_rule: z.enum(TRIGGER_RULES).optional(),
  parameters: jsonObjectSchema.optional(),
  secrets: z.array(z.string().regex(SECRET_NAME_PATTERN, 'must match [A-Za-z_][A-Za-z0-9_]*')).optional(),
});

export const edgeSpecSchema = z.strictObject({ from: z.string(), to: z.string() });

export const flowSpecSchema = z.strictObject({
  parameters: jsonObjectSchema.optional(),
  tasks: z
    .array(taskSpecSchema)
    .min(1, 'at least one task is required')
    .max(MAX_TASKS, `at most ${MAX_TASKS} tasks are allowed`),
  edges: z.array(edgeSpecSchema).optional(),
  outputs: z.record(z.string(), z.string()).optional(),
});

/** What flowSpecSchema accepts; assignable to FlowSpec (checked in the tests). */
export type FlowSpecSchemaOutput = z.infer<typeof flowSpecSchema>;
