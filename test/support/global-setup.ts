import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocalOnFreePort } from '../../local/dynamodb-local';

/**
 * One in-memory DynamoDB Local shared by the integration test files (each file creates its own
 * tables under a unique prefix), so the ~2 s JVM start is paid once per run, not once per file.
 */
export default async function globalSetup(): Promise<void> {
  process.env.DAGY_TEST_TMP ??= mkdtempSync(join(tmpdir(), 'dagy-test-'));
  // A DynamoDB Local already running (DAGY_TEST_DYNAMODB_ENDPOINT set by the caller, or by the
  // other project's set-up when integration and e2e run together) is reused: tables are per test
  // file, so sharing is safe.
  if (process.env.DAGY_TEST_DYNAMODB_ENDPOINT) return;
  // A JVM start can take well over 30 s on a loaded 2-core machine; waiting longer only delays a real failure.
  const dynamo = await startDynamoDbLocalOnFreePort(undefined, 120_000);
  process.env.DAGY_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dagyDynamo?: { stop(signal?: 'SIGKILL'): Promise<void> } }).__dagyDynamo = dynamo;
}
