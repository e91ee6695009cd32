import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import {
  registerFlow,
  SLEEPER_THEN_AFTER,
  repositoriesOf,
  startExecutorFixture,
  startRun,
  taskLogs,
  taskRun,
  waitForRun,
  type Executor,
  type ExecutorFixture,
  type RunView,
} from './executors-support';

const OPEN = new Set(['PENDING', 'RUNNING']);

/** Every task run is terminal (none left PENDING or RUNNING). */
export function expectNoOpenTaskRun(run: RunView): void {
  expect(run.task_runs.filter((t) => OPEN.has(t.status)).map((t) => `${t.task_name}:${t.status}`)).toEqual([]);
}

/**
 * The scenarios every executor must pass, end to end through the HTTP API on the local platform:
 * flows registered with POST /v1/flows, runs started with POST /v1/runs, read with GET /v1/runs.
 */
export function describeExecutorScenarios(executor: Executor, extra?: (fx: () => ExecutorFixture) => void): void {
  describe(`executor ${executor}`, () => {
    let fx: ExecutorFixture;
    // A small HTTP service for the http tasks.
    let server: Server;
    let serviceUrl = '';
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          if (req.url === '/ok') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world', method: req.method }));
          else if (req.url === '/echo') res.writeHead(201, { 'content-type': 'application/json' }).end(body);
          else res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      serviceUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
      // Its http tasks call the receiver above, on loopback: the platform's egress test flag.
      fx = await startExecutorFixture({ allowLoopbackEgress: true });
    }, 60_000);
    afterAll(async () => {
      await fx?.platform.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    test('runs the DAG and passes each task output downstream; the flow outputs are resolved', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'seed', timeout_seconds: 30 },
          { name: 'left', handler: 'add', parameters: { n: 1 }, timeout_seconds: 30 },
          { name: 'right', handler: 'add', parameters: { n: 10 }, timeout_seconds: 30 },
          { name: 'join', handler: 'add', timeout_seconds: 30 },
        ],
        edges: [
          { from: 'seed', to: 'left' },
          { from: 'seed', to: 'right' },
          { from: 'left', to: 'join' },
          { from: 'right', to: 'join' },
        ],
        outputs: { total: 'join.value', from: 'join.from', seed: 'seed' },
      });
      const started = await startRun(fx.api, { ...flow, executor, parameters: { start: 5 } });
      const run = await waitForRun(fx.api, started.run_id);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.outputs).toEqual({ total: 21, from: ['left', 'right'], seed: { value: 5, attempt: 1 } });
      for (const t of run.task_runs) {
        expect(t).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
        expect(t.output_ref).toBe(`runs/${fx.tenant.org_id}/${run.run_id}/${t.task_name}/output.json`);
      }
      expect(run.external_id).toMatch(/^arn:aws:states:/);
      const logs = await taskLogs(fx.api, run.run_id, taskRun(run, 'seed').task_run_id);
      expect(logs).toContain('seeding 5');
      expect(logs).toContain('attempt 1: succeeded');
    }, 60_000);

    test('small outputs and logs live in the task run, large ones in objects: both read back alike, downstream and through the API', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'small', handler: 'bulky', parameters: { bytes: 100, lines: 1 }, timeout_seconds: 30 },
          { name: 'large', handler: 'bulky', parameters: { bytes: 4000, lines: 40 }, timeout_seconds: 30 },
          // Attempt 1's log fits in the item; with attempt 2's it does not: it moves to the object.
          { name: 'grows', handler: 'bulky', parameters: { bytes: 10, lines: 12, failFirst: true }, retries: 1, retry_delay_seconds: 0, timeout_seconds: 30 },
          { name: 'sink', handler: 'bulky', parameters: { bytes: 1 }, timeout_seconds: 30 },
        ],
        edges: [
          { from: 'small', to: 'sink' },
          { from: 'large', to: 'sink' },
          { from: 'grows', to: 'sink' },
        ],
        outputs: { got: 'sink.got', large: 'large.blob', small: 'small.blob' },
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor })).run_id);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.outputs).toEqual({ got: { small: 100, large: 4000, grows: 10 }, large: 'y'.repeat(4000), small: 'y'.repeat(100) });
      expect(taskRun(run, 'grows')).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
      const objectExists = async (key: string) => {
        try {
          await fx.platform.s3.send(new HeadObjectCommand({ Bucket: fx.platform.resources.buckets.artifacts, Key: key }));
          return true;
        } catch {
          return false;
        }
      };
      // Only the large output is an object; every task run names its output the same way.
      for (const name of ['small', 'large', 'grows', 'sink']) {
        expect(taskRun(run, name).output_ref).toBe(`runs/${fx.tenant.org_id}/${run.run_id}/${name}/output.json`);
        expect(await objectExists(taskRun(run, name).output_ref!)).toBe(name === 'large');
      }
      const smallLog = await taskLogs(fx.api, run.run_id, taskRun(run, 'small').task_run_id);
      expect(smallLog).toContain('line 0 ');
      expect(smallLog).toContain('attempt 1: succeeded');
      const largeLog = await taskLogs(fx.api, run.run_id, taskRun(run, 'large').task_run_id);
      expect(largeLog).toContain('line 39 ');
      const grown = await taskLogs(fx.api, run.run_id, taskRun(run, 'grows').task_run_id);
      expect(grown).toMatch(/attempt 1: failed: first attempt fails[\s\S]*line 11 [\s\S]*attempt 2: succeeded/);
      expect(grown.match(/line 11 /g)).toHaveLength(2);
      if (executor !== 'ecs') {
        expect(await objectExists(`runs/${fx.tenant.org_id}/${run.run_id}/small/logs.txt`)).toBe(false);
        expect(await objectExists(`runs/${fx.tenant.org_id}/${run.run_id}/large/logs.txt`)).toBe(true);
        expect(await objectExists(`runs/${fx.tenant.org_id}/${run.run_id}/grows/logs.txt`)).toBe(true);
      }
      // Every executor's terminal write holds a small whole log in the item. (The ECS replay also
      // puts logs.txt for a task a snapshot caught running: its log shows the attempt under way.)
      const { taskRuns } = repositoriesOf(fx.platform);
      const stored = async (name: string) => (await taskRuns.get(fx.tenant.org_id, run.run_id, name, { consistent: true }))!;
      expect((await stored('small')).log_text).toContain('attempt 1: succeeded');
      expect((await stored('large')).log_text).toBeNull();
      expect((await stored('grows')).log_text).toBeNull();
    }, 60_000);

    test('a task that fails twice succeeds on its third attempt', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'flaky', retries: 2, retry_delay_seconds: 0, timeout_seconds: 30 },
          { name: 'after', handler: 'add', timeout_seconds: 30 },
        ],
        edges: [{ from: 'flaky', to: 'after' }],
        outputs: { value: 'after.value' },
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor })).run_id);
      expect(run.status).toBe('SUCCEEDED');
      expect(taskRun(run, 'flaky')).toMatchObject({ status: 'SUCCEEDED', attempt: 3 });
      expect(run.outputs).toEqual({ value: 100 });
      const logs = await taskLogs(fx.api, run.run_id, taskRun(run, 'flaky').task_run_id);
      expect(logs).toContain('attempt 1: failed: flaky failure on attempt 1');
      expect(logs).toContain('attempt 2: failed: flaky failure on attempt 2');
      expect(logs).toContain('attempt 3: succeeded');
    }, 60_000);

    test('a failure skips its downstream tasks and fails the run; independent tasks still run', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'seed', timeout_seconds: 30 },
          { name: 'boom', timeout_seconds: 30 },
          { name: 'after', handler: 'add', timeout_seconds: 30 },
          { name: 'later', handler: 'add', timeout_seconds: 30 },
          { name: 'side', handler: 'add', timeout_seconds: 30 },
        ],
        edges: [
          { from: 'seed', to: 'boom' },
          { from: 'boom', to: 'after' },
          { from: 'after', to: 'later' },
          { from: 'seed', to: 'side' },
        ],
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor, parameters: { start: 1 } })).run_id);
      expect(run.status).toBe('FAILED');
      expect(taskRun(run, 'boom')).toMatchObject({ status: 'FAILED', error_message: 'boom', attempt: 1 });
      expect(taskRun(run, 'after').status).toBe('SKIPPED');
      expect(taskRun(run, 'later').status).toBe('SKIPPED');
      expect(taskRun(run, 'side').status).toBe('SUCCEEDED');
      expect(run.error_message).toContain('boom');
      expectNoOpenTaskRun(run);
    }, 60_000);

    test('an attempt that outlives its timeout fails, whether it awaits forever or spins', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'hang', timeout_seconds: 1 },
          { name: 'spin', timeout_seconds: 1 },
        ],
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor })).run_id);
      expect(run.status).toBe('FAILED');
      expect(taskRun(run, 'hang')).toMatchObject({ status: 'FAILED', error_message: 'timed out after 1s' });
      expect(taskRun(run, 'spin')).toMatchObject({ status: 'FAILED', error_message: 'timed out after 1s' });
    }, 60_000);

    test('cancelling mid-run stops the work and leaves no task run open', async () => {
      const flow = await registerFlow(fx.api, SLEEPER_THEN_AFTER);
      const started = await startRun(fx.api, { ...flow, executor });
      await waitForRun(fx.api, started.run_id, (r) => taskRun(r, 'sleeper').status === 'RUNNING');
      const cancel = await fx.api.post(`/v1/runs/${started.run_id}/cancel`);
      expect(cancel.status).toBe(200);
      const run = await waitForRun(fx.api, started.run_id);
      expect(run.status).toBe('CANCELLED');
      expectNoOpenTaskRun(run);
      expect(taskRun(run, 'sleeper').status).toBe('FAILED');
      expect(taskRun(run, 'after').status).toBe('SKIPPED');
      // The attempt itself was stopped (its log section is closed), not left sleeping for a minute.
      const sleeper = taskRun(run, 'sleeper').task_run_id;
      const until = Date.now() + 30_000;
      let logs = '';
      while (!logs.includes('--- attempt 1:') && Date.now() < until) {
        logs = await taskLogs(fx.api, run.run_id, sleeper).catch(() => '');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(logs).toContain('--- attempt 1: failed');
      // Nothing reopened a task run meanwhile.
      expectNoOpenTaskRun(await waitForRun(fx.api, run.run_id));
    }, 60_000);

    test('retry-from-failed reruns only what did not succeed, with the kept outputs as inputs', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'seed', timeout_seconds: 30 },
          { name: 'gate', handler: 'failIf', timeout_seconds: 30 },
        ],
        edges: [{ from: 'seed', to: 'gate' }],
        outputs: { gate: 'gate.value' },
      });
      const first = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor, parameters: { start: 41, fail: true } })).run_id);
      expect(first.status).toBe('FAILED');
      expect(taskRun(first, 'gate')).toMatchObject({ status: 'FAILED', error_message: 'asked to fail' });
      const retry = await fx.api.post(`/v1/runs/${first.run_id}/retry`, { parameters: { start: 41, fail: false } });
      expect(retry.status).toBe(202);
      const second = await waitForRun(fx.api, (retry.body as RunView).run_id);
      expect(second.status).toBe('SUCCEEDED');
      expect(taskRun(second, 'seed')).toMatchObject({ status: 'SUCCEEDED', reused_from_run_id: first.run_id, attempt: 1 });
      expect(taskRun(second, 'seed').output_ref).toBe(taskRun(first, 'seed').output_ref);
      expect(taskRun(second, 'gate')).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
      expect(second.outputs).toEqual({ gate: 42 });
    }, 60_000);

    test('crashing task code (process.exit, non-Error throws, bad outputs) fails its task and leaves no run RUNNING', async () => {
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'exits', timeout_seconds: 30 },
          { name: 'throwsString', timeout_seconds: 30 },
          { name: 'throwsObject', timeout_seconds: 30 },
          { name: 'notJson', timeout_seconds: 30 },
          { name: 'tooBig', timeout_seconds: 30 },
          { name: 'noExport', handler: 'doesNotExist', timeout_seconds: 30 },
        ],
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor })).run_id);
      expect(run.status).toBe('FAILED');
      expectNoOpenTaskRun(run);
      expect(taskRun(run, 'exits').error_message).toBe('task code exited the process (exit code 3) before returning');
      expect(taskRun(run, 'throwsString').error_message).toBe('plain string');
      expect(taskRun(run, 'throwsObject').error_message).toBe('threw a non-Error value: {"code":42}');
      expect(taskRun(run, 'notJson').error_message).toBe('task returned a value that is not JSON at when: must be plain JSON');
      expect(taskRun(run, 'tooBig').error_message).toBe('output exceeds 256 KB');
      expect(taskRun(run, 'noExport').error_message).toBe('module tasks/lib.mjs has no exported function doesNotExist');
      for (const t of run.task_runs) expect(t.status).toBe('FAILED');
    }, 60_000);

    test('a task receives only the secrets it declared; http tasks take the response as output, a non-2xx fails', async () => {
      for (const [secret_name, value] of [['API_TOKEN', 'tok-123456'], ['OTHER_SECRET', 'not-for-you']] as const) {
        const res = await fx.api.post('/v1/secrets', { secret_name, value });
        expect([200, 201, 409]).toContain(res.status);
      }
      const flow = await registerFlow(fx.api, {
        tasks: [
          { name: 'secretsSeen', secrets: ['API_TOKEN'], timeout_seconds: 30 },
          { name: 'get', type: 'http', request: { method: 'GET', url: `${serviceUrl}/ok` }, timeout_seconds: 10 },
          { name: 'post', type: 'http', request: { method: 'POST', url: `${serviceUrl}/echo`, body: { n: 1 } }, timeout_seconds: 10 },
          { name: 'down', type: 'http', request: { method: 'GET', url: `${serviceUrl}/down` }, timeout_seconds: 10 },
        ],
        outputs: { secrets: 'secretsSeen', get: 'get', post: 'post.body.n' },
      });
      const run = await waitForRun(fx.api, (await startRun(fx.api, { ...flow, executor })).run_id);
      expect(run.status).toBe('FAILED');
      expect(run.outputs).toEqual({ secrets: { keys: ['API_TOKEN'], length: 10 }, get: { status: 200, body: { hello: 'world', method: 'GET' } }, post: 1 });
      expect(taskRun(run, 'down')).toMatchObject({ status: 'FAILED', error_message: 'HTTP 503: service unavailable' });
    }, 60_000);

    extra?.(() => fx);
  });
}
