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

/** Checks every catalogued table (DescribeTable) and the artifact bucket (HeadBucket). */
export async function checkHealth(runtime: Runtime): Promise<HealthReport> {
  const { config, aws } = runtime;
  const results = await Promise.all(
    ENTITIES.map(async (entity) => {
      try {
        const out = await aws.ddb.send(new DescribeTableCommand({ TableName: config.table(entity) }));
        return { entity, active: out.Table?.TableStatus === 'ACTIVE', reachable: true };
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        return { entity, active: false, reachable: name === 'ResourceNotFoundException' };
      }
    }),
  );
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
