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
 * How long a container trusts its last all-ACTIVE table check. DescribeTable is a control-plane
 * call: 21 of them per probe made the health check itself load DynamoDB (150 ms p50 locally at
 * rest, seconds in a burst). Tables rarely change state; a degraded result is never reused, so
 * recovery shows at the next probe.
 */
export const TABLE_CHECK_TTL_MS = 10_000;
const lastHealthyTables = new WeakMap<Runtime, number>();

async function checkTables(runtime: Runtime): Promise<TableCheck[]> {
  const { config, aws, clock } = runtime;
  const healthyAt = lastHealthyTables.get(runtime);
  if (healthyAt !== undefined && clock.nowMs() - healthyAt < TABLE_CHECK_TTL_MS) return ENTITIES.map((entity) => ({ entity, active: true, reachable: true }));
  const results = await Promise.all(
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
  if (results.every((r) => r.active)) lastHealthyTables.set(runtime, clock.nowMs());
  else lastHealthyTables.delete(runtime);
  return results;
}

/** Checks every catalogued table (DescribeTable, reused for a few seconds when all were ACTIVE) and the artifact bucket (HeadBucket, every time). */
export async function checkHealth(runtime: Runtime): Promise<HealthReport> {
  const { config, aws } = runtime;
  const results = await checkTables(runtime);
  let s3: 'ok' | 'error' = 'ok';
  try {
    await aws.s3.send(new HeadBucketCommand({ Bucket: config.bucket('artifacts') }));
  } catch {
    s3 = 'error';
  }
  const missing = results.filter((r) => !r.active).map((r) => r.entity);
  const dynamodb = results.every((r) => r.reachable) ? 'ok' : 'error';
  return {
    status: missing.length === 0 && s3 === 'ok' ? 'ok' : 'degraded',
    stage: config.stage,
    tables: { expected: ENTITIES.length, active: results.length - missing.length, missing },
    stores: { dynamodb, s3 },
  };
}
