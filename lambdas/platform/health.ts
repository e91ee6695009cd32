import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { ENTITIES } from '../catalogue/entities';
import type { Runtime } from '../shared/runtime';

export interface HealthReport {
  status: 'ok' | 'degraded';
  stage: string;
  tables: { expected: number; active: number; missing: string[] };
  stores: { dynamodb: 'ok' | 'error'; s3: 'ok' | 'error' };
}

interface TableCheck {
  entity: string;
  active: boolean;
  reachable: boolean;
}

/**
 * How long a container trusts its last all-healthy check (every table ACTIVE, the bucket there).
 * DescribeTable is a control-plane call: 21 of them per probe made the health check itself load
 * DynamoDB (150 ms p50 locally at rest, seconds in a burst), and a HeadBucket per probe waited
 * behind every object request of a burst. Tables and buckets rarely change state; a degraded
 * result is never reused, so recovery shows at the next probe.
 */
export const HEALTHY_CHECK_TTL_MS = 10_000;
const lastHealthy = new WeakMap<Runtime, number>();

async function checkTables(runtime: Runtime): Promise<TableCheck[]> {
  const { config, aws } = runtime;
  return Promise.all(
    ENTITIES.map(async (entity): Promise<TableCheck> => {
      try {
        const out = await aws.ddb.send(new DescribeTableCommand({ TableName: config.table(entity) }));
        return { entity, active: out.Table?.TableStatus === 'ACTIVE', reachable: true };
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        return { entity, active: false, reachable: name === 'ResourceNotFoundException' };
      }
    }),
  );
}

async function checkBucket(runtime: Runtime): Promise<'ok' | 'error'> {
  try {
    await runtime.aws.s3.send(new HeadBucketCommand({ Bucket: runtime.config.bucket('artifacts') }));
    return 'ok';
  } catch {
    return 'error';
  }
}

/** Checks every catalogued table (DescribeTable) and the artifact bucket (HeadBucket); an all-healthy result is reused for a few seconds. */
export async function checkHealth(runtime: Runtime): Promise<HealthReport> {
  const { config, clock } = runtime;
  const healthyAt = lastHealthy.get(runtime);
  const reuse = healthyAt !== undefined && clock.nowMs() - healthyAt < HEALTHY_CHECK_TTL_MS;
  const [results, s3] = reuse
    ? [ENTITIES.map((entity) => ({ entity, active: true, reachable: true })), 'ok' as const]
    : await Promise.all([checkTables(runtime), checkBucket(runtime)]);
  const missing = results.filter((r) => !r.active).map((r) => r.entity);
  const dynamodb = results.every((r) => r.reachable) ? 'ok' : 'error';
  if (!reuse) {
    if (missing.length === 0 && s3 === 'ok') lastHealthy.set(runtime, clock.nowMs());
    else lastHealthy.delete(runtime);
  }
  return {
    status: missing.length === 0 && s3 === 'ok' ? 'ok' : 'degraded',
    stage: config.stage,
    tables: { expected: ENTITIES.length, active: results.length - missing.length, missing },
    stores: { dynamodb, s3 },
  };
}
