import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors';

/** Formats a zod issue path as the API reports it: a.b[1].c */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function zodIssues(error: z.ZodError, prefix = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ path: formatPath([...issue.path, key], prefix), message: 'unknown field' });
    } else {
      details.push({ path: formatPath(issue.path, prefix), message: issue.message });
    }
  }
  return details;
}

/** Parses input with a schema or throws a 400 listing every failing field path. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(zodIssues(result.error, prefix));
  return result.data;
}
