import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLIENT_TYPES_FILE } from '../../../cli/api/generated-file';
import { generateClientTypes } from '../../../cli/api/generate-types';
import type { Platform } from '../../../local/platform';
import { apiClient, startTestPlatform } from '../../support/platform';

// The committed client types are exactly what the served GET /v1/openapi.json generates, and they
// compile with openapi-fetch in a consumer that calls typed routes.

let platform: Platform;

beforeAll(async () => {
  platform = await startTestPlatform();
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('typed client from the served OpenAPI document', () => {
  it('matches the committed file and compiles against openapi-fetch', async () => {
    const served = await apiClient(platform.url).get('/v1/openapi.json');
    expect(served.status).toBe(200);
    const generated = generateClientTypes(served.body as Record<string, unknown>);
    expect(generated).toBe(readFileSync(CLIENT_TYPES_FILE, 'utf8'));

    const dir = mkdtempSync(join(resolve('.'), '.tsc-fixture-'));
    try {
      writeFileSync(join(dir, 'schema.gen.ts'), generated);
      writeFileSync(
        join(dir, 'consumer.ts'),
        [
          "import createClient from 'openapi-fetch';",
          "import type { paths } from './schema.gen';",
          'const api = createClient<paths>({ baseUrl: "http://127.0.0.1:1" });',
          'export async function f(): Promise<string | undefined> {',
          "  const run = await api.GET('/v1/runs/{run_id}', { params: { path: { run_id: 'r' } } });",
          "  const started = await api.POST('/v1/runs', { body: { flow_name: 'etl', flow_version: '1.0.0', parameters: { rows: 1 } } });",
          '  return run.data?.task_runs[0]?.status ?? started.data?.run_id;',
          '}',
          '// @ts-expect-error: not a route',
          "export const wrong = () => api.GET('/v1/nope');",
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES2023', 'DOM'], module: 'preserve', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }),
      );
      expect(execFileSync(resolve('node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
