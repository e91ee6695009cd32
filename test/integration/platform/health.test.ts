import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startPlatform, type Platform } from '../../../local/platform';
import { apiClient } from '../../support/platform';
import { ENTITIES } from '../../../lambdas/catalogue';
import { HEALTHY_CHECK_TTL_MS, checkHealth } from '../../../lambdas/platform/health';
import { tableEnvVar } from '../../../lambdas/catalogue/entities';
import { createRuntime } from '../../../lambdas/shared/runtime';
import type { Clock } from '../../../lambdas/shared/clock';

// Boots the whole local platform from nothing: its own DynamoDB Local (a fresh data dir, random
// ports), every catalogue table created, s3rver, the gateway.
describe('local platform from nothing', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'dagy-boot-'));
  const clock: Clock & { offsetMs: number } = { offsetMs: 0, nowMs: () => Date.now() + clock.offsetMs };
  let describeTables = 0;
  let headBuckets = 0;

  beforeAll(async () => {
    platform = await startPlatform({
      dataDir,
      tablePrefix: 'boot-',
      clock,
      observeAws: (service, command) => {
        if (service === 'ddb' && command === 'DescribeTableCommand') describeTables++;
        if (service === 's3' && command === 'HeadBucketCommand') headBuckets++;
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

  it('reuses an all-healthy check for a few seconds: probes under load do not load DynamoDB or S3', async () => {
    clock.offsetMs += HEALTHY_CHECK_TTL_MS;
    describeTables = 0;
    headBuckets = 0;
    expect((await apiClient(platform.url).get('/v1/health')).body.tables.active).toBe(21);
    expect([describeTables, headBuckets]).toEqual([ENTITIES.length, 1]);
    expect((await apiClient(platform.url).get('/v1/health')).body).toMatchObject({ status: 'ok', tables: { active: 21 }, stores: { s3: 'ok' } });
    expect([describeTables, headBuckets]).toEqual([ENTITIES.length, 1]);
    clock.offsetMs += HEALTHY_CHECK_TTL_MS;
    expect((await apiClient(platform.url).get('/v1/health')).status).toBe(200);
    expect([describeTables, headBuckets]).toEqual([2 * ENTITIES.length, 2]);
  });

  it('a missing table or bucket makes it degraded, and a degraded result is never reused', async () => {
    const env = platform.envFor('http-platform');
    const runtimes: Array<ReturnType<typeof createRuntime>> = [];
    const broken = (over: Record<string, string>) => {
      const runtime = createRuntime('http-platform', { ...env, ...over }, { clock, logSink: () => undefined });
      runtimes.push(runtime);
      return runtime;
    };
    const noTable = await checkHealth(broken({ [tableEnvVar('Sensor')]: 'boot-Missing' }));
    expect(noTable).toMatchObject({ status: 'degraded', tables: { expected: 21, active: 20, missing: ['Sensor'] }, stores: { dynamodb: 'ok', s3: 'ok' } });
    const noBucket = broken({ DAGY_ARTIFACT_BUCKET: 'no-such-bucket' });
    expect(await checkHealth(noBucket)).toMatchObject({ status: 'degraded', stores: { s3: 'error' } });
    // Checked again at once: nothing degraded is reused.
    expect(await checkHealth(noBucket)).toMatchObject({ status: 'degraded', stores: { s3: 'error' } });
    runtimes.forEach((r) => r.aws.destroy());
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
