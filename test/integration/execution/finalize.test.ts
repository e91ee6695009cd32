import { finalizeRun } from '../../../lambdas/execution/orchestrator/finalize';
import { orchestratorServices } from '../../../lambdas/execution/orchestrator/orchestrator-services';
import { createRuntime } from '../../../lambdas/shared/runtime';
import { createQueuedRun, registerFlow, repositoriesOf, startExecutorFixture, type ExecutorFixture } from './executors-support';

// Finalize (the run's last step) on DynamoDB Local: the execution slot is given back before the
// run's terminal write, and what the end needs first is read and settled meanwhile.
let fx: ExecutorFixture;
beforeAll(async () => {
  fx = await startExecutorFixture();
}, 60_000);
afterAll(async () => {
  await fx?.platform.stop();
});

test("the slot's release runs beside the reads and settling the end needs; the terminal write comes after it", async () => {
  const names = ['a', 'b'];
  const flow = await registerFlow(fx.api, { tasks: names.map((name) => ({ name, handler: 'add', timeout_seconds: 30 })) }, 'finalize-order');
  const runId = await createQueuedRun(fx.platform, fx.tenant.org_id, flow, names);
  const { runs, taskRuns } = repositoriesOf(fx.platform);
  await runs.transitionRun(fx.tenant.org_id, runId, ['QUEUED'], 'RUNNING');
  expect(await taskRuns.start(fx.tenant.org_id, runId, 'a', { executor: 'lambda', attempt: 0 })).toBe(true);
  expect(await taskRuns.succeed(fx.tenant.org_id, runId, 'a', { output_ref: null, output_json: '1', attempt: 1 })).toBe(true);

  const o = orchestratorServices(createRuntime('run-orchestrator', fx.platform.envFor('run-orchestrator'), { logSink: () => undefined }));
  const order: string[] = [];
  let listed: () => void = () => undefined;
  const taskRunsListed = new Promise<void>((resolve) => (listed = resolve));
  const list = o.taskRuns.listForRun.bind(o.taskRuns);
  jest.spyOn(o.taskRuns, 'listForRun').mockImplementation(async (...args) => {
    order.push('list');
    listed();
    return list(...args);
  });
  const release = o.queue.releaseAndPromote.bind(o.queue);
  jest.spyOn(o.queue, 'releaseAndPromote').mockImplementation(async (run) => {
    order.push('release started');
    // Done one after the other, the list would come after the release: this wait would time out.
    const beside = await Promise.race([taskRunsListed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000))]);
    order.push(beside ? 'release saw the list' : 'release waited alone');
    const promoted = await release(run);
    order.push('released');
    return promoted;
  });
  const transition = o.runs.transitionRunDetailed.bind(o.runs);
  jest.spyOn(o.runs, 'transitionRunDetailed').mockImplementation(async (...args) => {
    order.push(`terminal ${args[3]}`);
    return transition(...args);
  });

  const ended = await finalizeRun(o, fx.tenant.org_id, runId);
  // b never ran: settled (SKIPPED, as the engine counts a skip) meanwhile.
  expect(ended).toMatchObject({ status: 'SUCCEEDED' });
  expect(await taskRuns.get(fx.tenant.org_id, runId, 'b', { consistent: true })).toMatchObject({ status: 'SKIPPED' });
  expect(order).toEqual(['release started', 'list', 'release saw the list', 'released', 'terminal SUCCEEDED']);
  // Finalized again (a retried step): the run is ended already, nothing more is written.
  order.length = 0;
  expect(await finalizeRun(o, fx.tenant.org_id, runId)).toMatchObject({ status: 'SUCCEEDED' });
  expect(order.filter((step) => step.startsWith('terminal'))).toEqual([]);
}, 60_000);
