import { strToU8, zipSync } from 'fflate';
import type { Platform } from '../../../local/platform';
import { localStepFunctionsOf } from '../../../local/step-functions/local-step-functions';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';

// The runs API over the real executor (the local run state machine, orchestrator and task runner):
// a failed run retried with its succeeded outputs kept, and a running run cancelled.
describe('runs API with the step-functions executor', () => {
  let platform: Platform;
  let alice: TestTenant;

  const code = `
export async function extract({ context }) {
  return { rows: 7, run_id: context.run_id };
}
export async function transform({ parameters, inputs }) {
  console.log('transform attempt with fail=' + parameters.fail);
  if (parameters.fail) throw new Error('bad data');
  return { rows: inputs.extract.rows * 2, extracted_by: inputs.extract.run_id };
}
export async function wait({ parameters }) {
  await new Promise((resolve) => setTimeout(resolve, parameters.wait_ms));
  return { waited: parameters.wait_ms };
}
`;
  const artifact = { zip_base64: Buffer.from(zipSync({ 'tasks/etl.mjs': strToU8(code) })).toString('base64') };

  async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 400; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`gave up waiting for ${what}`);
  }
  const terminal = (status: string) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status);
  const getRun = async (runId: string) => (await alice.api.get(`/v1/runs/${runId}`)).body;

  beforeAll(async () => {
    platform = await startTestPlatform();
    alice = await signUpTenant(platform.url, 'e2e');
    const etl = await alice.api.post('/v1/flows', {
      flow_name: 'etl',
      flow_version: '1.0.0',
      default_executor: 'step-functions',
      flow_spec: {
        parameters: { type: 'object', properties: { fail: { type: 'boolean' } } },
        tasks: [
          { name: 'extract', type: 'code', handler: 'tasks/etl.mjs:extract' },
          { name: 'transform', type: 'code', handler: 'tasks/etl.mjs:transform' },
        ],
        edges: [{ from: 'extract', to: 'transform' }],
        outputs: { rows: 'transform.rows', extracted_by: 'transform.extracted_by' },
      },
      artifact,
    });
    expect(etl.status).toBe(201);
    const slow = await alice.api.post('/v1/flows', {
      flow_name: 'slow',
      flow_version: '1.0.0',
      default_executor: 'step-functions',
      flow_spec: {
        tasks: [
          { name: 'wait', type: 'code', handler: 'tasks/etl.mjs:wait', parameters: { wait_ms: 1500 } },
          { name: 'after', type: 'code', handler: 'tasks/etl.mjs:extract' },
        ],
        edges: [{ from: 'wait', to: 'after' }],
      },
      artifact,
    });
    expect(slow.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('retries a failed run: the succeeded task is kept with its output, the failed one reruns, the run succeeds', async () => {
    const start = await alice.api.post('/v1/runs', { flow_name: 'etl', flow_version: '1.0.0', parameters: { fail: true } });
    expect(start.status).toBe(202);
    const original: string = start.body.run_id;
    const failed = await waitFor('the run to end', () => getRun(original), (r) => terminal(r.status));
    expect(failed.status).toBe('FAILED');
    const extract = failed.task_runs.find((t: { task_name: string }) => t.task_name === 'extract');
    expect(extract.status).toBe('SUCCEEDED');

    const retry = await alice.api.post(`/v1/runs/${original}/retry`, { parameters: { fail: false } });
    expect(retry.status).toBe(202);
    const done = await waitFor('the retry to end', () => getRun(retry.body.run_id), (r) => terminal(r.status));
    expect(done).toMatchObject({ status: 'SUCCEEDED', retry_of: original, parameters: { fail: false } });
    // transform read the kept output of the original run's extract.
    expect(done.outputs).toEqual({ rows: 14, extracted_by: original });
    const byName = Object.fromEntries(done.task_runs.map((t: Record<string, unknown>) => [t.task_name, t]));
    expect(byName.extract).toMatchObject({ status: 'SUCCEEDED', output_ref: extract.output_ref, reused_from_run_id: original, attempt: extract.attempt });
    expect(byName.transform).toMatchObject({ status: 'SUCCEEDED', attempt: 1, reused_from_run_id: null });

    const logs = await alice.api.get(`/v1/runs/${retry.body.run_id}/task-runs/${byName.transform.task_run_id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body.content).toContain('transform attempt with fail=false');
  });

  it('cancels a running run: the execution is stopped and no task run is left open', async () => {
    const start = await alice.api.post('/v1/runs', { flow_name: 'slow', flow_version: '1.0.0' });
    const runId: string = start.body.run_id;
    await waitFor('the slow task to run', () => getRun(runId), (r) => r.task_runs.some((t: { task_name: string; status: string }) => t.task_name === 'wait' && t.status === 'RUNNING'));
    const cancelled = await alice.api.post(`/v1/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const statuses = Object.fromEntries(cancelled.body.task_runs.map((t: { task_name: string; status: string }) => [t.task_name, t.status]));
    expect(statuses).toEqual({ wait: 'FAILED', after: 'SKIPPED' });

    const execution = await localStepFunctionsOf(platform.emulator).settled(cancelled.body.external_id);
    expect(execution?.status).toBe('ABORTED');
    // Whatever the stopped execution or its task runner did after the cancel, nothing moved.
    const after = await getRun(runId);
    expect(after.status).toBe('CANCELLED');
    expect(Object.fromEntries(after.task_runs.map((t: { task_name: string; status: string }) => [t.task_name, t.status]))).toEqual(statuses);
    expect((await alice.api.post(`/v1/runs/${runId}/cancel`)).status).toBe(409);
  });
});
