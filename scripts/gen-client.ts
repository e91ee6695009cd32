import { writeFileSync } from 'node:fs';
import { CLIENT_TYPES_FILE, generatedClientTypes } from '../cli/api/generated-file';

// `npm run gen:client`: regenerates the typed API client's types from the OpenAPI document the
// platform serves (built by the same module that answers GET /v1/openapi.json).
writeFileSync(CLIENT_TYPES_FILE, generatedClientTypes());
process.stdout.write(`wrote ${CLIENT_TYPES_FILE}\n`);
