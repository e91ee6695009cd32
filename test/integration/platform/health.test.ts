import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startPlatform, type Platform } from '../../../local/platform';
import { apiClient } from '../../support/platform';
import { ENTITIES } from '../../../lambdas/catalogue';
import { TABLE_CHECK_TTL_MS } from '../../../lambdas/platform/health';
import type { Clock } from '../../../lambdas/shared/clock';

// Boots the whole local platform from nothing: its own DynamoDB Local (a fresh data dir, random
// ports), every catalogue table created, s3rver, the gateway.
describe('local platform from nothing', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'dagy-boot-'));
  const clock: Clock & { offsetMs: number } = { offsetMs: 0, nowMs: () => Date.now() + clock.offsetMs };
  let describeTables = 0;

  beforeAll(async () => {
    platform = await startPlatform({
      dataDir,
      tablePrefix: 'boot-',
      clock,
      observeAws: (service, command) => {
        if (service === 'ddb' && command === 'DescribeTableCommand') describeTables++;
      },
    });
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

  it('reuses an all-ACTIVE table check for a few seconds: probes under load do not load DynamoDB', async () => {
    clock.offsetMs += TABLE_CHECK_TTL_MS;
    describeTables = 0;
    expect((await apiClient(platform.url).get('/v1/health')).body.tables.active).toBe(21);
    expect(describeTables).toBe(ENTITIES.length);
    expect((await apiClient(platform.url).get('/v1/health')).body.tables.active).toBe(21);
    expect(describeTables).toBe(ENTITIES.length);
    clock.offsetMs += TABLE_CHECK_TTL_MS;
    expect((await apiClient(platform.url).get('/v1/health')).status).toBe(200);
    expect(describeTables).toBe(2 * ENTITIES.length);
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
