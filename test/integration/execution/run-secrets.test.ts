import { registerFlow, startExecutorFixture, startRun, waitForRun, type ExecutorFixture } from './executors-support';

// A run started through a deployment resolves its tasks' secrets in the deployment's environment:
// a secret scoped to that environment beats the org-wide one of the same name.
describe('secrets of a run follow its deployment environment', () => {
  let fx: ExecutorFixture;
  beforeAll(async () => {
    fx = await startExecutorFixture();
  }, 60_000);
  afterAll(async () => fx?.platform.stop());

  test('environment-scoped beats org-wide; a bare flow run gets the org-wide value', async () => {
    expect((await fx.api.post('/v1/secrets', { secret_name: 'API_TOKEN', value: 'org-wide' })).status).toBe(201);
    expect((await fx.api.post('/v1/secrets', { secret_name: 'API_TOKEN', value: 'staging-only-value', environment: 'staging' })).status).toBe(201);
    const flow = await registerFlow(fx.api, { tasks: [{ name: 'secretsSeen', secrets: ['API_TOKEN'], timeout_seconds: 30 }], outputs: { seen: 'secretsSeen' } });
    const dep = await fx.api.post('/v1/deployments', { deployment_name: 'sec-staging', ...flow, environment: 'staging', default_executor: 'lambda' });
    expect(dep.status).toBe(201);

    const viaDeployment = await waitForRun(fx.api, (await startRun(fx.api, { deployment_name: 'sec-staging' })).run_id);
    expect(viaDeployment.status).toBe('SUCCEEDED');
    expect(viaDeployment.outputs).toEqual({ seen: { keys: ['API_TOKEN'], length: 'staging-only-value'.length } });

    const bare = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor: 'lambda' })).run_id);
    expect(bare.outputs).toEqual({ seen: { keys: ['API_TOKEN'], length: 'org-wide'.length } });
  }, 60_000);
});
