// The typed API client's types, generated from the served OpenAPI document (lambdas/platform/openapi.ts).
// Output follows openapi-typescript's `paths` shape, which openapi-fetch consumes. openapi-typescript
// itself cannot run here: it needs TypeScript 5's compiler API, and this project is on TypeScript 7
// (no JS API), so this module emits the same shape from the document's JSON Schemas.

type Schema = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) || /^[1-9][0-9]*$/.test(name) ? name : JSON.stringify(name));

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One JSON Schema as a TypeScript type, indented for nesting. */
export function schemaToType(schema: unknown, indent = ''): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (!isSchema(schema)) return 'unknown';
  if (typeof schema.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    return name === undefined ? 'unknown' : `components["schemas"][${JSON.stringify(name)}]`;
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const parts = schema[combinator];
    if (Array.isArray(parts)) return union(parts.map((part) => schemaToType(part, indent)));
  }
  if (Array.isArray(schema.allOf)) return schema.allOf.map((part) => `(${schemaToType(part, indent)})`).join(' & ') || 'unknown';
  const type = schema.type;
  if (Array.isArray(type)) return union(type.map((t) => schemaToType({ ...schema, type: t }, indent)));
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      if (Array.isArray(schema.prefixItems)) return `[${schema.prefixItems.map((item) => schemaToType(item, indent)).join(', ')}]`;
      const item = schemaToType(schema.items, indent);
      return /^[A-Za-z_"[\]]+$/.test(item) ? `${item}[]` : `(${item})[]`;
    }
    case 'object':
      return objectType(schema, indent);
    default:
      return isSchema(schema.properties) ? objectType(schema, indent) : 'unknown';
  }
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

function objectType(schema: Schema, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const lines: string[] = [];
  const properties = isSchema(schema.properties) ? schema.properties : {};
  for (const [name, property] of Object.entries(properties)) {
    lines.push(`${inner}${key(name)}${required.has(name) ? '' : '?'}: ${schemaToType(property, inner)};`);
  }
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) {
    lines.push(`${inner}[key: string]: ${extra === true || Object.keys(properties).length > 0 ? 'unknown' : schemaToType(extra, inner)};`);
  } else if (extra === undefined && Object.keys(properties).length === 0) {
    lines.push(`${inner}[key: string]: unknown;`);
  }
  return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('\n')}\n${indent}}`;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

function parametersType(parameters: Parameter[], indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const where of ['query', 'header', 'path', 'cookie'] as const) {
    const these = parameters.filter((p) => p.in === where);
    if (these.length === 0) {
      lines.push(`${inner}${where}?: never;`);
      continue;
    }
    const fields = these.map((p) => `${inner}  ${key(p.name)}${p.required ? '' : '?'}: ${schemaToType(p.schema, `${inner}  `)};`);
    const optional = these.every((p) => !p.required) ? '?' : '';
    lines.push(`${inner}${where}${optional}: {\n${fields.join('\n')}\n${inner}};`);
  }
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function contentType(content: unknown, indent: string): string {
  const json = isSchema(content) ? content['application/json'] : undefined;
  if (!isSchema(json)) return 'never';
  return `{\n${indent}  "application/json": ${schemaToType(json.schema, `${indent}  `)};\n${indent}}`;
}

function operationType(operation: Schema, indent: string): string {
  const inner = `${indent}  `;
  const lines = [`${inner}parameters: ${parametersType((operation.parameters as Parameter[] | undefined) ?? [], inner)};`];
  const body = operation.requestBody;
  if (isSchema(body)) lines.push(`${inner}requestBody${body.required ? '' : '?'}: {\n${inner}  content: ${contentType(body.content, `${inner}  `)};\n${inner}};`);
  else lines.push(`${inner}requestBody?: never;`);
  const responses: string[] = [];
  for (const [status, response] of Object.entries((operation.responses as Record<string, Schema> | undefined) ?? {})) {
    const content = isSchema(response) ? response.content : undefined;
    const contentLine = content === undefined ? `content?: never;` : `content: ${contentType(content, `${inner}    `)};`;
    responses.push(`${inner}  ${key(status)}: {\n${inner}    headers: { [name: string]: unknown };\n${inner}    ${contentLine}\n${inner}  };`);
  }
  lines.push(`${inner}responses: {\n${responses.join('\n')}\n${inner}};`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The whole generated module for an OpenAPI 3.1 document. */
export function generateClientTypes(document: Schema): string {
  const out: string[] = [
    '// GENERATED by `npm run gen:client` from GET /v1/openapi.json (lambdas/platform/openapi.ts). Do not edit.',
    '// test/unit/cli/client-types.test.ts fails when this file is stale.',
    '/* eslint-disable */',
    '',
    'export interface paths {',
  ];
  const paths = (document.paths as Record<string, Schema> | undefined) ?? {};
  for (const path of Object.keys(paths).sort()) {
    out.push(`  ${JSON.stringify(path)}: {`);
    out.push('    parameters: { query?: never; header?: never; path?: never; cookie?: never };');
    for (const method of METHODS) {
      const operation = paths[path]![method];
      if (isSchema(operation)) {
        if (typeof operation.summary === 'string') out.push(`    /** ${operation.summary.replace(/\*\//g, '* /')} */`);
        out.push(`    ${method}: ${operationType(operation, '    ')};`);
      } else {
        out.push(`    ${method}?: never;`);
      }
    }
    out.push('  };');
  }
  out.push('}', '', 'export interface components {', '  schemas: {');
  const schemas = (isSchema(document.components) && isSchema(document.components.schemas) ? document.components.schemas : {}) as Schema;
  for (const name of Object.keys(schemas).sort()) out.push(`    ${key(name)}: ${schemaToType(schemas[name], '    ')};`);
  out.push('  };', '}', '');
  return out.join('\n');
}
