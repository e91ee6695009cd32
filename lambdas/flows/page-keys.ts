import { ValidationError } from '../shared/errors';
import type { PageRequest } from '../shared/http/pagination';

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
