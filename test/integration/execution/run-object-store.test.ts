import { randomUUID } from 'node:crypto';
import { outputKey } from '../../../lambdas/execution/run-objects';
import { INLINE_LOG_MAX_BYTES, INLINE_OUTPUT_MAX_BYTES, RunObjectStore } from '../../../lambdas/execution/task-runner/run-object-store';
import { repositoriesOf } from './executors-support';
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

test('a large output is put in S3 and read from there; one remembered after its win is read without a GET', async () => {
  const s = store();
  const org = `org-${randomUUID()}`;
  const run = `run-${randomUUID()}`;
  const large = { value: 1, pad: 'p'.repeat(INLINE_OUTPUT_MAX_BYTES) };
  const stored = await s.storeOutput(org, run, 'a', JSON.stringify(large));
  expect(stored).toEqual({ output_ref: outputKey(org, run, 'a'), output_json: null });
  expect(await s.getOutput(org, stored.output_ref)).toEqual(large);
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

test('a small output and log stay for the TaskRun item (no object); outputs are read from the item an output_ref names', async () => {
  const s = store();
  const org = `org-${randomUUID()}`;
  const run = `run-${randomUUID()}`;
  const small = JSON.stringify({ value: 7 });
  const stored = await s.storeOutput(org, run, 'a', small);
  expect(stored).toEqual({ output_ref: outputKey(org, run, 'a'), output_json: small });
  await expect(s.getOutput(org, stored.output_ref)).rejects.toThrow('is missing');
  expect(await s.outputOf(org, stored)).toEqual({ value: 7 });
  expect(await s.storeLog(org, run, 'a', 'short log\n')).toEqual({ log_text: 'short log\n' });
  expect(await s.logOf(org, run, 'a', null)).toBe('');
  const long = 'l'.repeat(INLINE_LOG_MAX_BYTES + 1);
  expect(await s.storeLog(org, run, 'a', long)).toEqual({ log_text: null });
  expect(await s.logOf(org, run, 'a', { log_text: null })).toBe(long);
  expect(await s.logOf(org, run, 'a', { log_text: 'inline wins' })).toBe('inline wins');

  // The TaskRun item holds the small output: another container reads it by ref alone.
  const { taskRuns } = repositoriesOf(platform);
  await taskRuns.createMany(org, run, [{ task_name: 'a' }, { task_name: 'b' }]);
  await taskRuns.startDetailed(org, run, 'a', { executor: 'lambda', attempt: 0 });
  const won = await taskRuns.succeedDetailed(org, run, 'a', { ...stored, log_text: 'short log\n', attempt: 1 });
  expect(won).toMatchObject({ won: true, taskRun: { output_ref: stored.output_ref, output_json: small, log_text: 'short log\n' } });
  expect(await store().outputByRef(org, stored.output_ref, taskRuns)).toEqual({ value: 7 });
  // A large output's item has no inline text: read from its object.
  const large = { pad: 'q'.repeat(INLINE_OUTPUT_MAX_BYTES) };
  const storedB = await s.storeOutput(org, run, 'b', JSON.stringify(large));
  await taskRuns.startDetailed(org, run, 'b', { executor: 'lambda', attempt: 0 });
  await taskRuns.succeedDetailed(org, run, 'b', { ...storedB, attempt: 1 });
  expect(await store().outputByRef(org, storedB.output_ref, taskRuns)).toEqual(large);
  // Another organization's ref is refused before any read.
  await expect(store().outputByRef('org-other', stored.output_ref, taskRuns)).rejects.toThrow('does not belong to the organization');
}, 60_000);

test("a lost attempt's log goes to its task run only while the task run is at that attempt; null removes an inline text", async () => {
  const { taskRuns } = repositoriesOf(platform);
  const org = `org-${randomUUID()}`;
  const run = `run-${randomUUID()}`;
  await taskRuns.createMany(org, run, [{ task_name: 'a' }]);
  await taskRuns.startDetailed(org, run, 'a', { executor: 'lambda', attempt: 0 });
  // The cancel settled attempt 1 first: its log is recorded all the same.
  await taskRuns.failDetailed(org, run, 'a', { error_message: 'cancelled', attempt: 1 });
  expect(await taskRuns.recordLog(org, run, 'a', 1, 'attempt 1 log\n')).toBe(true);
  expect((await taskRuns.get(org, run, 'a', { consistent: true }))?.log_text).toBe('attempt 1 log\n');
  // A stale attempt changes nothing.
  expect(await taskRuns.recordLog(org, run, 'a', 2, 'attempt 2 log\n')).toBe(false);
  expect((await taskRuns.get(org, run, 'a', { consistent: true }))?.log_text).toBe('attempt 1 log\n');
  // The log moved into the object: the inline text goes, so the reader finds the object.
  expect(await taskRuns.recordLog(org, run, 'a', 1, null)).toBe(true);
  expect((await taskRuns.get(org, run, 'a', { consistent: true }))?.log_text).toBeNull();
}, 30_000);
