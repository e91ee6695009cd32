import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startPlatform, type Platform } from '../../../local/platform';
import { apiClient } from '../../support/platform';
import { ENTITIES } from '../../../lambdas/catalogue';

// Boots the whole local platform from nothing: its own DynamoDB Local (a fresh data dir, random
// ports), every catalogue table created, s3rver, the gateway.
describe('local platform from nothing', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'dagy-boot-'));

  beforeAll(async () => {
    platform = await startPlatform({ dataDir, tablePrefix: 'boot-' });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates every catalogue table', async () => {
    const out = await platform.dynamodb.send(new ListTablesCommand({}));
    const ours = (out.TableNames ?? []).filter((n) => n.startsWith('boot-'));
    expect(ours).toHaveLength(ENTITIES.length);
  });

  it('answers GET /v1/health with the table count and the stores status', async () => {
    const res = await apiClient(platform.url).get('/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      tables: { expected: 21, active: 21, missing: [] },
      stores: { dynamodb: 'ok', s3: 'ok' },
    });
  });

  it('is idempotent: a second start on the same data creates nothing and serves', async () => {
    const again = await startPlatform({ dataDir, dynamodbEndpoint: platform.resources.dynamodbEndpoint, tablePrefix: 'boot-' });
    try {
      const res = await apiClient(again.url).get('/v1/health');
      expect(res.status).toBe(200);
    } finally {
      await again.stop();
    }
  });
});
