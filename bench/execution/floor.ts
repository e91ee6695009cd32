import { CreateTableCommand, DeleteTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { percentile } from '../support';

/**
 * DynamoDB Local's own write latency and throughput, measured in the same run as the executors:
 * Dagy writes every task-run transition durably, so these set the floor the executors are read
 * against. A scratch table of the bench's own (deleted after), one small item per write.
 */
export interface WriteFloor {
  write_p50_ms: number;
  write_p99_ms: number;
  /** Writes per second with `concurrency` writers (what a fan-out can reach at best). */
  write_throughput_per_s: number;
  concurrency: number;
  samples: number;
}

export async function measureWriteFloor(client: DynamoDBClient, samples = 200, concurrency = 16): Promise<WriteFloor> {
  const TableName = `bench-floor-${process.pid}-${Date.now()}`;
  await client.send(
    new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
  );
  try {
    const put = (i: number) => client.send(new PutItemCommand({ TableName, Item: { pk: { S: `k${i}` }, status: { S: 'SUCCEEDED' }, at: { S: new Date().toISOString() } } }));
    for (let i = 0; i < 20; i++) await put(i); // warm the connection and the table
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await put(i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < samples) await put(1000 + next++);
      }),
    );
    const throughput = samples / ((performance.now() - t0) / 1000);
    const r = (x: number) => Math.round(x * 100) / 100;
    return { write_p50_ms: r(percentile(latencies, 50)), write_p99_ms: r(percentile(latencies, 99)), write_throughput_per_s: Math.round(throughput), concurrency, samples };
  } finally {
    await client.send(new DeleteTableCommand({ TableName }));
  }
}

/**
 * Minimum sequential DynamoDB writes of one task run: PENDING → RUNNING (the claim), then the
 * result (RUNNING → SUCCEEDED). Nothing an executor does can be cheaper and still record both.
 */
export const MIN_SEQUENTIAL_WRITES_PER_TASK = 2;

/** The floor of each bench shape, in ms, from the measured write latency and throughput. */
export function shapeFloors(floor: WriteFloor): { chain100_floor_ms: number; fanout200_floor_ms: number } {
  const w = MIN_SEQUENTIAL_WRITES_PER_TASK;
  return {
    // Every task waits for its predecessor's writes.
    chain100_floor_ms: Math.round(100 * w * floor.write_p50_ms),
    // The root's writes in sequence, then 200 leaves' writes at the store's concurrent throughput.
    fanout200_floor_ms: Math.round(w * floor.write_p50_ms + (200 * w * 1000) / floor.write_throughput_per_s),
  };
}
