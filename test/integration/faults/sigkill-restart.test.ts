import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../local/free-port';
import { fromRoot } from '../../../lib/paths';
import { apiClient, type ApiClient } from '../../support/platform';
import { expectNoOpenTaskRun } from '../execution/executors-scenarios';
import { registerFlow, startRun, taskRun, waitForRun } from '../execution/executors-support';

/*
 * The local platform process killed with SIGKILL in the middle of runs (no shutdown of any kind:
 * its DynamoDB Local, containers and in-memory executions die with it), then started again on the
 * same data directory: every run it left QUEUED or RUNNING is finished by the reconcile sweep at
 * start, and the completions recorded before the kill are still there.
 */
interface Started {
  child: ChildProcess;
  url: string;
  apiKey: string;
  output: () => string;
}

function startDagy(dataDir: string, port: number): Promise<Started> {
  // Its own process group, so that SIGKILL reaches DynamoDB Local and the containers too.
  const child = spawn(process.execPath, [fromRoot('node_modules/tsx/dist/cli.mjs'), fromRoot('bin/dagy.ts'), 'start', '--port', String(port), '--data-dir', dataDir], {
    cwd: fromRoot('.'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DAGY_PORT: String(port) },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dagy start did not get ready:\n${text}`)), 150_000);
    const check = setInterval(() => {
      const match = /export DAGY_URL=(\S+) DAGY_API_KEY=(\S+)/.exec(text);
      if (match !== null) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, url: match[1]!, apiKey: match[2]!, output: () => text });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`dagy start exited with ${String(code)}:\n${text}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('SIGKILL of the local platform mid-run, restart on the same data directory', () => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited(child);
      }
    }
  });

  test('every run left unfinished ends at restart; recorded completions are kept', async () => {
    const dataDir = mkdtempSync(join(process.env.DAGY_TEST_TMP!, 'sigkill-'));
    const port = await freePort();
    const first = await startDagy(dataDir, port);
    children.push(first.child);
    const api: ApiClient = apiClient(first.url, { authorization: `Bearer ${first.apiKey}` });
    const flow = await registerFlow(api, {
      tasks: [
        { name: 'seed', timeout_seconds: 30 },
        { name: 'slow', handler: 'sleepy', parameters: { ms: 60_000 }, timeout_seconds: 120 },
        { name: 'after', handler: 'add', timeout_seconds: 30 },
      ],
      edges: [
        { from: 'seed', to: 'slow' },
        { from: 'slow', to: 'after' },
      ],
    });
    const runs = [
      await startRun(api, { ...flow, executor: 'step-functions', parameters: { start: 1 } }),
      await startRun(api, { ...flow, executor: 'lambda', parameters: { start: 2 } }),
    ];
    for (const run of runs) await waitForRun(api, run.run_id, (r) => taskRun(r, 'slow').status === 'RUNNING', 60_000);

    process.kill(-first.child.pid!, 'SIGKILL');
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startDagy(dataDir, port);
    children.push(second.child);
    expect(second.output()).toMatch(/reconciled \d+ run\(s\) left unfinished by the previous process/);
    const api2 = apiClient(second.url, { authorization: `Bearer ${second.apiKey}` });
    for (const { run_id } of runs) {
      const run = await waitForRun(api2, run_id, undefined, 30_000);
      expect(run.status).toBe('FAILED');
      expect(run.error_message).toMatch(/execution/);
      // Recorded before the kill: kept.
      expect(taskRun(run, 'seed').status).toBe('SUCCEEDED');
      expect(taskRun(run, 'seed').output_ref).not.toBeNull();
      expect(taskRun(run, 'after').status).toBe('SKIPPED');
      expectNoOpenTaskRun(run);
    }
    // A fresh run on the restarted platform works.
    const fresh = await startRun(api2, { flow_name: flow.flow_name, flow_version: flow.flow_version, executor: 'lambda', parameters: { start: 3 } });
    expect(fresh.status).toMatch(/QUEUED|RUNNING/);

    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 420_000);
});
