import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __dagyDynamo?: { stop(): Promise<void> } }).__dagyDynamo;
  await dynamo?.stop();
  const tmp = process.env.DAGY_TEST_TMP;
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
}
