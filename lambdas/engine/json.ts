/** A JSON value as it travels in specs, parameters and task outputs. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a value stops being plain JSON, and why. */
export interface NonJsonFinding {
  path: (string | number)[];
  message: string;
}

/**
 * Finds the first place where `value` is not plain JSON (functions, undefined, non-finite
 * numbers, class instances, and the `__proto__` key, which JSON.parse keeps but object
 * spreading silently turns into a prototype change). Returns null for valid JSON.
 */
export function findNonJson(value: unknown, path: (string | number)[] = []): NonJsonFinding | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { path, message: 'must be a finite number' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonJson(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { path, message: 'must be plain JSON' };
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { path: [...path, key], message: 'reserved key' };
      const found = findNonJson((value as Record<string, unknown>)[key], [...path, key]);
      if (found) return found;
    }
    return null;
  }
  return { path, message: `must be JSON, not ${typeof value}` };
}

export function isJsonValue(value: unknown): value is JsonValue {
  return findNonJson(value) === null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
