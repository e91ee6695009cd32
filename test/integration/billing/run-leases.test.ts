// Execution slots (run leases on the Subscription item) on DynamoDB Local: a run's slot is taken
// once; taking it again says `held` (the caller that took it starts the run), which is how a
// promoter working from a stale index read tells its own new slot from someone else's.
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SubscriptionRepository } from '../../../lambdas/billing/subscription-repository';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';

let platform: Platform;
let leases: SubscriptionRepository;
beforeAll(async () => {
  platform = await startTestPlatform();
  leases = new SubscriptionRepository(DynamoDBDocumentClient.from(platform.dynamodb), platform.resources.tables.Subscription);
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

const request = (org: string, run: string, limit = 2) => ({ org_id: org, run_id: run, limit, expires_epoch: Math.floor(Date.now() / 1000) + 600 });

test('a slot is acquired once, then held; a full org refuses a new run; a released slot is free again', async () => {
  const org = `org-${randomUUID()}`;
  expect(await leases.acquireLease(request(org, 'run-1'))).toBe('acquired');
  expect(await leases.acquireLease(request(org, 'run-1'))).toBe('held');
  expect(await leases.acquireLease(request(org, 'run-2'))).toBe('acquired');
  expect(await leases.acquireLease(request(org, 'run-3'))).toBe('org_full');
  // Held runs are still held when the org is full.
  expect(await leases.acquireLease(request(org, 'run-2'))).toBe('held');
  expect(await leases.releaseLease(org, 'run-1')).not.toBeNull();
  // Released: taken anew (a stale promoter's case), which it can tell and give back.
  expect(await leases.acquireLease(request(org, 'run-1'))).toBe('acquired');
  expect(await leases.releaseLease(org, 'run-1')).not.toBeNull();
  expect(await leases.acquireLease(request(org, 'run-3'))).toBe('acquired');
}, 30_000);

test("a deployment at its own limit refuses its runs (deployment_full) while the org has room", async () => {
  const org = `org-${randomUUID()}`;
  const one = { name: 'one-at-a-time', limit: 1 };
  expect(await leases.acquireLease({ ...request(org, 'run-1', 5), deployment: one })).toBe('acquired');
  expect(await leases.acquireLease({ ...request(org, 'run-2', 5), deployment: one })).toBe('deployment_full');
  expect(await leases.acquireLease(request(org, 'run-3', 5))).toBe('acquired');
  expect(await leases.releaseLease(org, 'run-1')).not.toBeNull();
  expect(await leases.acquireLease({ ...request(org, 'run-2', 5), deployment: one })).toBe('acquired');
}, 30_000);
