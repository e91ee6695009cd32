import * as z from 'zod';
import { ValidationError } from '../errors';
import { parseWith } from './validation';

/** Opaque cursor: the DynamoDB LastEvaluatedKey, base64url JSON. A Query stays in its partition,
 * so a forged cursor cannot reach another organization's items. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key === undefined ? null : Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
}

// Built on first use: most importers only encode cursors (repositories of functions that serve no
// list route), and a module-level schema would keep zod in their bundles.
let pageQuery: ReturnType<typeof pageQuerySchema> | undefined;
function pageQuerySchema() {
  return z.object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  });
}

export interface PageRequest {
  limit: number;
  exclusiveStartKey: Record<string, unknown> | undefined;
}

export function parsePageQuery(query: Record<string, string>): PageRequest {
  const { limit, cursor } = parseWith((pageQuery ??= pageQuerySchema()), { limit: query.limit, cursor: query.cursor });
  return { limit, exclusiveStartKey: decodeCursor(cursor) };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * A cursor is the last key of the previous page. It must name the caller's own partition: a
 * cursor from another organization (or forged) is a 400, never a read outside the tenant.
 */
export function startKeyWithin(page: PageRequest, partitionAttribute: string, partitionValue: string): Record<string, unknown> | undefined {
  const key = page.exclusiveStartKey;
  if (key === undefined) return undefined;
  if (key[partitionAttribute] !== partitionValue) throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
  return key;
}
