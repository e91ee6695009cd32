import { fromRoot } from '../../lib/paths';
import { buildOpenApiDocument } from '../../lambdas/platform/openapi';
import { generateClientTypes } from './generate-types';

/** Where the generated types live (committed). */
export const CLIENT_TYPES_FILE = fromRoot('cli/api/schema.gen.ts');

/** What `npm run gen:client` writes: the types of the document GET /v1/openapi.json serves. */
export function generatedClientTypes(document: Record<string, unknown> = buildOpenApiDocument()): string {
  return generateClientTypes(document);
}
