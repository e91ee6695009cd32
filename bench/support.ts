import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocalOnFreePort } from '../local/dynamodb-local';
import { startPlatform, type Platform, type PlatformOptions } from '../local/platform';

/** A throw-away local platform (in-memory DynamoDB Local) for one benchmark. */
export async function withBenchPlatform<T>(fn: (platform: Platform) => Promise<T>, options: Partial<PlatformOptions> = {}): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dagy-bench-'));
  const dynamo = await startDynamoDbLocalOnFreePort();
  const platform = await startPlatform({ dataDir, dynamodbEndpoint: dynamo.endpoint, ...options });
  try {
    return await fn(platform);
  } finally {
    await platform.stop();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function summarize(samplesMs: number[]): { n: number; p50_ms: number; p99_ms: number; mean_ms: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: sorted.length, p50_ms: r(percentile(sorted, 50)), p99_ms: r(percentile(sorted, 99)), mean_ms: r(mean) };
}
