import { randomUUID } from 'node:crypto';
import { outputKey } from '../../../lambdas/execution/run-objects';
import { RunObjectStore } from '../../../lambdas/execution/task-runner/run-object-store';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';

/*
 * The runner's object store on s3rver: outputs it stored and whose SUCCEEDED transition won are
 * read back without a GET (a chain's next task in the same container); anything else, from S3.
 */

let platform: Platform;
beforeAll(async () => {
  platform = await startTestPlatform();
}, 120_000);
afterAll(async () => {
  await platform?.stop();
});

const store = (maxBytes?: number) => new RunObjectStore(platform.s3, platform.resources.buckets.artifacts, maxBytes);

test('an output stored by put is read from S3; one remembered after its win is read without a GET', async () => {
  const s = store();
  const org = `org-${randomUUID()}`;
  const run = `run-${randomUUID()}`;
  const ref = await s.putOutput(org, run, 'a', JSON.stringify({ value: 1 }));
  expect(await s.getOutput(org, ref)).toEqual({ value: 1 });
  // Remembered under a key that has no object: only the in-memory copy can answer.
  const unstored = outputKey(org, run, 'b');
  await expect(s.getOutput(org, unstored)).rejects.toThrow('is missing');
  s.rememberOutput(org, unstored, JSON.stringify({ value: 2 }));
  expect(await s.getOutput(org, unstored)).toEqual({ value: 2 });
  // Another store (another container) has no copy.
  await expect(store().getOutput(org, unstored)).rejects.toThrow('is missing');
}, 60_000);

test("another organization's output is refused, remembered or not", async () => {
  const s = store();
  const ref = outputKey('org-one', 'run-1', 'a');
  s.rememberOutput('org-one', ref, JSON.stringify({ secret: true }));
  await expect(s.getOutput('org-two', ref)).rejects.toThrow('does not belong to the organization');
  // Remembering it for the wrong organization keeps nothing.
  s.rememberOutput('org-two', ref, JSON.stringify({ secret: true }));
  await expect(s.getOutput('org-two', ref)).rejects.toThrow('does not belong to the organization');
}, 60_000);

test('remembered outputs are bounded by bytes: the oldest go first, and are read from S3 again', async () => {
  const s = store(8 * 100);
  const org = `org-${randomUUID()}`;
  const refs = Array.from({ length: 12 }, (_, i) => outputKey(org, 'run-1', `t${i}`));
  refs.forEach((ref, i) => s.rememberOutput(org, ref, JSON.stringify({ i, pad: 'x'.repeat(70) })));
  await expect(s.getOutput(org, refs[0]!)).rejects.toThrow('is missing');
  expect(await s.getOutput(org, refs[11]!)).toMatchObject({ i: 11 });
}, 60_000);
