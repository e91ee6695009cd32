import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonObject } from '../engine';
import { canonicalJson } from '../engine';
import { ConflictError, ValidationError, type ErrorDetail } from '../shared/errors';

// Run parameters are checked against the flow spec's `parameters` JSON Schema (draft-07, ajv 8).

// Built on first use: functions that only dequeue runs (orchestrator, reconciler, lease sweeper)
// import this module through run-starter.ts but never check parameters, and a module-level
// `new Ajv` would keep ajv in their bundles and run at every cold start.
let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 200;

function compiled(schema: JsonObject): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = cache.get(key);
  if (validate === undefined) {
    try {
      validate = (ajv ??= new Ajv({ allErrors: true, strict: false })).compile(schema);
    } catch (error) {
      throw new ConflictError(
        `the flow version's parameters schema cannot be used: ${error instanceof Error ? error.message : String(error)}`,
        'invalid_parameters_schema',
      );
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, validate);
  }
  return validate;
}

/** JSON Pointer (/a/0/b) → the API's path notation under `parameters` (parameters.a[0].b). */
export function parameterPath(instancePath: string, extra?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let out = 'parameters';
  for (const s of segments) out += /^(0|[1-9][0-9]*)$/.test(s) ? `[${s}]` : `.${s}`;
  return out;
}

function detailOf(error: ErrorObject): ErrorDetail {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { path: parameterPath(error.instancePath, params.missingProperty), message: 'required' };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { path: parameterPath(error.instancePath, params.additionalProperty), message: 'unknown parameter' };
  }
  return { path: parameterPath(error.instancePath), message: error.message ?? error.keyword };
}

/**
 * Throws a 400 listing every failing parameter path when `parameters` do not satisfy `schema`
 * (no schema: anything goes). The flow's schema itself being unusable is a 409.
 */
export function checkRunParameters(schema: JsonObject | undefined, parameters: JsonObject): void {
  if (schema === undefined) return;
  const validate = compiled(schema);
  if (validate(parameters)) return;
  const details = (validate.errors ?? []).map(detailOf);
  throw new ValidationError(details, 'run parameters do not match the flow parameters schema');
}
