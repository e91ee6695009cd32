import { readFileSync } from 'node:fs';
import { CLIENT_TYPES_FILE, generatedClientTypes } from '../../../cli/api/generated-file';
import { schemaToType } from '../../../cli/api/generate-types';
import { ROUTES } from '../../../lambdas/catalogue/routes';

describe('the typed API client', () => {
  it('is up to date with the OpenAPI document (run `npm run gen:client` after changing routes or schemas)', () => {
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8')).toBe(generatedClientTypes());
  });

  it('has a typed entry for every catalogued route', () => {
    const text = readFileSync(CLIENT_TYPES_FILE, 'utf8');
    for (const route of ROUTES) {
      const block = text.slice(text.indexOf(`  ${JSON.stringify(route.path)}: {`));
      expect(block).toMatch(new RegExp(`\\n    ${route.method.toLowerCase()}: \\{`));
    }
  });

  it('turns JSON Schema into TypeScript types', () => {
    expect(schemaToType({ type: 'string' })).toBe('string');
    expect(schemaToType({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
    expect(schemaToType({ enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(schemaToType({ type: 'array', items: { type: 'integer' } })).toBe('number[]');
    expect(schemaToType({ type: 'object', properties: { a: { type: 'boolean' }, 'b-c': { type: 'number' } }, required: ['a'], additionalProperties: false })).toBe(
      '{\n  a: boolean;\n  "b-c"?: number;\n}',
    );
    expect(schemaToType({ type: 'object', additionalProperties: { type: 'string' } })).toBe('{\n  [key: string]: string;\n}');
    expect(schemaToType({ $ref: '#/components/schemas/Error' })).toBe('components["schemas"]["Error"]');
  });
});
