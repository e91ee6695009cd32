import { checkRunParameters, parameterPath } from '../../../../lambdas/execution/run-parameters';
import type { JsonObject } from '../../../../lambdas/engine';
import { ConflictError, ValidationError } from '../../../../lambdas/shared/errors';

function details(schema: JsonObject, parameters: JsonObject) {
  try {
    checkRunParameters(schema, parameters);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  return [];
}

describe('run parameters against the flow schema', () => {
  const schema = {
    type: 'object',
    properties: {
      day: { type: 'string', format: 'date' },
      limit: { type: 'integer', minimum: 1 },
      tables: { type: 'array', items: { type: 'string' } },
      nested: { type: 'object', properties: { 'a/b': { type: 'number' } } },
    },
    required: ['day'],
    additionalProperties: false,
  };

  it('accepts parameters that satisfy the schema, and anything without a schema', () => {
    expect(details(schema, { day: '2026-03-01', limit: 3, tables: ['x'] })).toEqual([]);
    expect(() => checkRunParameters(undefined, { whatever: [1, 2] })).not.toThrow();
  });

  it('reports every failing field under parameters.<path>', () => {
    const found = details(schema, { limit: 0, tables: ['ok', 7], nested: { 'a/b': 'x' }, stray: 1 });
    expect(found.map((d) => d.path).sort()).toEqual([
      'parameters.day',
      'parameters.limit',
      'parameters.nested.a/b',
      'parameters.stray',
      'parameters.tables[1]',
    ]);
    expect(found.find((d) => d.path === 'parameters.day')?.message).toBe('required');
    expect(found.find((d) => d.path === 'parameters.stray')?.message).toBe('unknown parameter');
  });

  it('maps JSON pointers to the API path notation', () => {
    expect(parameterPath('')).toBe('parameters');
    expect(parameterPath('/a/0/b')).toBe('parameters.a[0].b');
    expect(parameterPath('/x~1y/~0z', 'k')).toBe('parameters.x/y.~z.k');
  });

  it('answers 409 when the flow version carries a schema that cannot be compiled', () => {
    expect(() => checkRunParameters({ type: 'no-such-type' }, {})).toThrow(ConflictError);
  });
});
