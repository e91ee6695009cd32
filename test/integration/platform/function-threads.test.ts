import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { createFunctionHost } from '../../../local/function-host';
import type { Platform } from '../../../local/platform';
import { systemClock } from '../../../lambdas/shared/clock';
import type { MetricPoint } from '../../../lambdas/shared/metrics';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { apiClient, startTestPlatform } from '../../support/platform';
import { registerFlow, startRun, taskRun, waitForRun } from '../execution/executors-support';

// The functions hosted on worker threads (functionThreads, local/function-threads.ts) behave as
// in the platform's own thread: the API on its lane, a run through the state machine on the
// other, errors crossing with the name Step Functions matches on, logs forwarded.
describe('functions on worker threads', () => {
  let platform: Platform;
  let tenant: TestTenant;
  const logLines: string[] = [];
  const metrics: MetricPoint[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ functionThreads: 2, functionLogSink: (line) => logLines.push(line), functionMetricSink: (point) => metrics.push(point) });
    tenant = await signUpTenant(platform.url, 'threads');
  }, 90_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('serves the API and runs a flow through the state machine, task code and all', async () => {
    expect((await apiClient(platform.url).get('/v1/health')).status).toBe(200);
    const flow = await registerFlow(tenant.api, {
      tasks: [
        { name: 'seed', parameters: { start: 2 } },
        { name: 'add', parameters: { n: 3 } },
      ],
      edges: [{ from: 'seed', to: 'add' }],
    });
    const started = await startRun(tenant.api, { ...flow, executor: 'step-functions' });
    const run = await waitForRun(tenant.api, started.run_id);
    expect(run.status).toBe('SUCCEEDED');
    expect(taskRun(run, 'add').status).toBe('SUCCEEDED');
    // Log lines and metric points come back to the platform's sinks.
    const functions = new Set(logLines.map((l) => (JSON.parse(l) as { service?: string }).service));
    expect([...functions]).toEqual(expect.arrayContaining(['http-identity', 'http-flows', 'http-execution']));
    expect(metrics.length).toBeGreaterThan(0);
  }, 90_000);

  it('rejects with the error the same handler throws in this thread (name, message)', async () => {
    // Start of a run that does not exist: Dagy.Fatal, the name the state machine's Catch matches.
    const event = { action: 'start', input: { org_id: tenant.org_id, run_id: 'no-such-run' }, execution_arn: 'arn:aws:states:us-east-1:000000000000:execution:x:no-such-run' };
    const inThread = await createFunctionHost((name) => platform.envFor(name), { logSink: () => undefined })
      .invoke('run-orchestrator', event)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    const onWorker = await platform.invoke('run-orchestrator', event).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(inThread).toBeInstanceOf(Error);
    expect(onWorker).toBeInstanceOf(Error);
    expect(onWorker!.name).toBe('Dagy.Fatal');
    expect({ name: onWorker!.name, message: onWorker!.message }).toEqual({ name: inThread!.name, message: inThread!.message });
  });

  it('refuses a clock or AWS middleware, which cannot cross threads', async () => {
    await expect(startTestPlatform({ functionThreads: 1, clock: systemClock })).rejects.toThrow(/functionThreads needs the system clock/);
  });

  it('answers HeadBucket from the bucket itself: 200 for a bucket, 404 for none', async () => {
    const ok = await platform.s3.send(new HeadBucketCommand({ Bucket: platform.resources.buckets.artifacts }));
    expect(ok.$metadata.httpStatusCode).toBe(200);
    await expect(platform.s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
