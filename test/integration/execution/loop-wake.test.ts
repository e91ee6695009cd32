import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { wakeRunLoop } from '../../../lambdas/execution/orchestrator/loop-protocol';
import { createRunStores, type RunStores } from '../../../lambdas/execution/run-stores';
import type { Logger } from '../../../lambdas/shared/logger';
import { createRuntime } from '../../../lambdas/shared/runtime';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';
import { createQueuedRun } from './executors-support';

// Who wakes the step-functions loop (loop-protocol.ts), on DynamoDB Local: completions after one
// park redeem its token once, and a waker whose redeem fails hands the waking to the next one.
// SendTaskSuccess is mocked to fail on purpose (the local Step Functions runner does not throttle).
let platform: Platform;
let stores: RunStores;
const sfn = mockClient(SFNClient);
const warnings: string[] = [];
const logger = { warn: (message: string) => warnings.push(message) } as unknown as Logger;

beforeAll(async () => {
  platform = await startTestPlatform();
  stores = createRunStores(createRuntime('run-orchestrator', platform.envFor('run-orchestrator'), { logSink: () => undefined }));
}, 60_000);
afterAll(async () => {
  sfn.restore();
  await platform?.stop();
});

async function parkedRun(token: string): Promise<{ org: string; runId: string }> {
  const org = `org-wake-${Math.random().toString(36).slice(2, 8)}`;
  const runId = await createQueuedRun(platform, org, { flow_name: 'etl', flow_version: '1.0.0' }, ['a', 'b', 'c', 'd']);
  await stores.runs.transitionRun(org, runId, ['QUEUED'], 'RUNNING');
  expect((await stores.runs.parkLoop(org, runId, token, 1)).won).toBe(true);
  return { org, runId };
}

const redeemed = () => sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken);

test('completions after one park redeem its token once; the next park is woken again', async () => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  const { org, runId } = await parkedRun('t1');
  const deps = { sfn: new SFNClient({ region: 'us-east-1' }), runs: stores.runs, logger };
  await Promise.all(['a', 'b', 'c'].map((task) => wakeRunLoop(deps, { org_id: org, run_id: runId, task_names: [task] })));
  expect(redeemed()).toEqual(['t1']);
  const next = await stores.runs.parkLoop(org, runId, 't2', 2);
  expect(next.won && next.changed.sort()).toEqual(['a', 'b', 'c']);
  await wakeRunLoop(deps, { org_id: org, run_id: runId, task_names: ['d'] });
  expect(redeemed()).toEqual(['t1', 't2']);
});

test('a waker whose redeem fails gives the waking back: the next completion redeems', async () => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({});
  const { org, runId } = await parkedRun('t1');
  const deps = { sfn: new SFNClient({ region: 'us-east-1', maxAttempts: 1 }), runs: stores.runs, logger };
  await wakeRunLoop(deps, { org_id: org, run_id: runId, task_names: ['a'] });
  expect(warnings.at(-1)).toBe('could not wake the run loop');
  await wakeRunLoop(deps, { org_id: org, run_id: runId, task_names: ['b'] });
  expect(redeemed()).toEqual(['t1', 't1']);
  // Its change is kept for the next park either way.
  const next = await stores.runs.parkLoop(org, runId, 't2', 2);
  expect(next.won && next.changed.sort()).toEqual(['a', 'b']);
});
