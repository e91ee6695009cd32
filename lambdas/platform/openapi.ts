import * as z from 'zod';
import { ROUTES } from '../catalogue/routes';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { DOMAIN_SCHEMAS } from './domain-schemas';

type JsonObject = Record<string, unknown>;

const errorSchema: JsonObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
}

/** OpenAPI 3.1 document for every catalogued route, from the domains' validation schemas. */
export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of ROUTES) {
    const schemas: OperationSchemas = DOMAIN_SCHEMAS[route.domain] ?? {};
    const op = schemas[route.operation] ?? {};
    const pathParams = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams: JsonObject[] = [];
    if (op.query !== undefined) {
      const q = jsonSchema(op.query, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        queryParams.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
      }
    }
    const status = String(op.response?.status ?? 200);
    const operation: JsonObject = {
      operationId: `${route.domain}.${route.operation}`,
      summary: route.summary,
      tags: [route.domain],
      parameters: [...pathParams, ...queryParams],
      responses: {
        [status]: op.response?.body
          ? { description: 'success', content: { 'application/json': { schema: jsonSchema(op.response.body, 'output') } } }
          : { description: 'success' },
        default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
      ...(route.permission === 'public' ? { security: [] } : { 'x-dagy-permission': route.permission }),
    };
    if (op.body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } };
    }
    const key = route.path;
    paths[key] = { ...(paths[key] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Dagy API', version: '1' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'access token or API key' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
