import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __dagyDynamo?: { stop(signal?: 'SIGKILL'): Promise<void> } }).__dagyDynamo;
  // In memory: nothing to flush, so no need to wait for the JVM's orderly shutdown.
  await dynamo?.stop('SIGKILL');
  // Both projects sharing it run this teardown: the second finds nothing left to stop.
  delete (globalThis as { __dagyDynamo?: unknown }).__dagyDynamo;
  const tmp = process.env.DAGY_TEST_TMP;
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
}
