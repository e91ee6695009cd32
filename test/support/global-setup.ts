import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from '../../local/free-port';

/**
 * One in-memory DynamoDB Local shared by the integration test files (each file creates its own
 * tables under a unique prefix), so the ~2 s JVM start is paid once per run, not once per file.
 */
export default async function globalSetup(): Promise<void> {
  // Two projects (integration, e2e) share it when run together: start one, not two.
  if ((globalThis as { __dagyDynamo?: unknown }).__dagyDynamo !== undefined) return;
  const port = await freePort();
  // A JVM start can take well over 30 s on a loaded 2-core machine; waiting longer only delays a real failure.
  const dynamo = await startDynamoDbLocal(port, undefined, 120_000);
  process.env.DAGY_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.DAGY_TEST_TMP = mkdtempSync(join(tmpdir(), 'dagy-test-'));
  (globalThis as { __dagyDynamo?: { stop(signal?: 'SIGKILL'): Promise<void> } }).__dagyDynamo = dynamo;
}
