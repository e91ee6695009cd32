import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync, unzipSync } from 'fflate';
import { connect } from '../../../cli/api/client';
import { CliError } from '../../../cli/errors';
import type { Platform } from '../../../local/platform';
import { buildFlow } from '../../../sdk/compile';
import { deployFlow } from '../../../sdk/deploy';
import { freePort } from '../../../local/free-port';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';

// The real CLI (`tsx bin/dagy.ts …` as a child process) against an in-process local platform.

const ROOT = resolve('.');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SLOW = 240_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let platform: Platform;
let owner: TestTenant;
let apiKey: string;
let configHome: string;

function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome, DAGY_URL: platform.url, DAGY_API_KEY: apiKey, ...extra };
  delete env.DAGY_CONFIG_FILE;
  delete env.DAGY_PROFILE;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

function dagy(args: string[], options: { input?: string; env?: Record<string, string | undefined>; onStdout?: (text: string) => void } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TSX, ['bin/dagy.ts', ...args], { cwd: ROOT, env: cliEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await signUpTenant(platform.url, 'cli');
  const key = await owner.api.post('/v1/api-keys', { name: 'cli e2e', role: 'admin' });
  expect(key.status).toBe(201);
  apiKey = key.body.secret;
  configHome = mkdtempSync(join(tmpdir(), 'dagy-cli-config-'));
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('dagy CLI end to end', () => {
  it('deploys the SDK example, then says "unchanged" for the same code (--json parsed)', async () => {
    const first = await dagy(['flows', 'deploy', 'examples/etl-sdk']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^registered etl-sdk@1\.0\.0 \(5 tasks, artifact \d+ bytes inline, code_hash [0-9a-f]{12}\)\n$/);

    const again = await dagy(['--json', 'flows', 'deploy', 'examples/etl-sdk']);
    expect(again.code).toBe(0);
    const parsed = JSON.parse(again.stdout) as { status: string; upload: string; flow: { flow_name: string; code_hash: string } };
    expect(parsed).toMatchObject({ status: 'unchanged', upload: 'inline', flow: { flow_name: 'etl-sdk', flow_version: '1.0.0' } });
    const stored = await owner.api.get('/v1/flows/etl-sdk/versions/1.0.0');
    expect(stored.body.code_hash).toBe(parsed.flow.code_hash);
  }, SLOW);

  it('run --watch follows the example to SUCCEEDED and exits 0; --json prints only the final run', async () => {
    const plain = await dagy(['run', 'etl-sdk@1.0.0', '--param', 'day=2026-11-30', '--param', 'rows=12', '--watch']);
    expect(plain.code).toBe(0);
    // One line per change seen by the 1 s poll (a short RUNNING may fall between two polls).
    for (const task of ['fetch', 'clean', 'enrich', 'stats', 'aggregate']) expect(plain.stdout).toMatch(new RegExp(`^${task} SUCCEEDED attempt 1$`, 'm'));
    expect(plain.stdout.indexOf('fetch SUCCEEDED')).toBeLessThan(plain.stdout.indexOf('aggregate SUCCEEDED'));
    expect(plain.stdout).toMatch(/^run \S+ SUCCEEDED in [\d.]+s$/m);
    expect(plain.stdout).toContain('"total_amount":545');

    const json = await dagy(['--json', 'run', 'etl-sdk@1.0.0', '--param', 'day=2026-11-30', '--param', 'rows=12', '--executor', 'lambda', '--watch']);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout) as { status: string; executor: string; outputs: Record<string, unknown>; task_runs: { status: string }[] };
    expect(run.status).toBe('SUCCEEDED');
    expect(run.executor).toBe('lambda');
    expect(run.outputs).toMatchObject({ rows: 10, total_amount: 545, top_category: 'medium' });
    expect(run.task_runs.map((t) => t.status)).toEqual(Array(5).fill('SUCCEEDED'));
  }, SLOW);

  it('a failing run exits 1 with the failed task on its line', async () => {
    const deployed = await dagy(['flows', 'deploy', 'test/fixtures/sdk/slow-fail/flow.ts']);
    expect(deployed.code).toBe(0);
    const failed = await dagy(['run', 'slow-fail@1.0.0', '--param', 'fail=true', '--watch']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^second FAILED attempt 1: asked to fail$/m);
    expect(failed.stdout).toMatch(/^run \S+ FAILED in/m);
  }, SLOW);

  it('uploads through a presigned URL above the inline limit, and refuses a registered version with other code', async () => {
    const { api } = connect(platform.url, apiKey);
    const built = await buildFlow('test/fixtures/sdk/slow-fail');
    const uploaded = await deployFlow(api, { ...built, compiled: { ...built.compiled, flowVersion: '2.0.0-upload' } }, { inlineLimit: 1024 });
    expect(uploaded).toMatchObject({ status: 'created', upload: 'presigned', flow: { flow_name: 'slow-fail', flow_version: '2.0.0-upload' } });
    const stored = await owner.api.get('/v1/flows/slow-fail/versions/2.0.0-upload');
    expect(stored.status).toBe(200);
    expect(stored.body.artifact_s3_uri).toMatch(/^s3:\/\//);

    const otherCode = zipSync({ ...unzipSync(built.zip!), 'extra.txt': new TextEncoder().encode('changed') });
    const refused = await deployFlow(api, { ...built, zip: otherCode }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(1);
    expect((refused as CliError).message).toMatch(/^flow slow-fail version 1\.0\.0 is already registered with other code \(code_hash [0-9a-f]+\); register a new version \(409 flow_version_exists\)$/);
  }, SLOW);

  it('logs --follow prints lines while the run is still running, then ends with it', async () => {
    // `second` waits until this server answers 200: the run stays RUNNING until the test has seen
    // first's line through the CLI, however slowly the CLI starts.
    let released = false;
    const gate = createServer((_req, res) => {
      res.writeHead(released ? 200 : 503).end();
    });
    await new Promise<void>((done) => gate.listen(0, '127.0.0.1', done));
    const waitUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/release`;
    try {
      const started = await owner.api.post('/v1/runs', { flow_name: 'slow-fail', flow_version: '1.0.0', parameters: { wait_url: waitUrl } });
      expect(started.status).toBe(202);
      const runId: string = started.body.run_id;
      let statusAtFirstLine: Promise<string> | undefined;
      const follow = await dagy(['logs', runId, '--follow', '--interval', '300'], {
        onStdout: (text) => {
          if (statusAtFirstLine === undefined && text.includes('first: hello from the first task')) {
            statusAtFirstLine = owner.api.get(`/v1/runs/${runId}`).then((r) => r.body.status as string);
            void statusAtFirstLine.finally(() => (released = true));
          }
        },
      });
      expect(follow.stderr).toBe('');
      expect(follow.code).toBe(0);
      expect(statusAtFirstLine).toBeDefined();
      expect(await statusAtFirstLine).toBe('RUNNING');
      expect(follow.stdout).toMatch(/^\[first\] first: hello from the first task$/m);
      expect(follow.stdout).toMatch(/^\[second\] second: hello after the release$/m);
      expect(follow.stdout.indexOf('[first] first:')).toBeLessThan(follow.stdout.indexOf('[second] second:'));
      const final = await owner.api.get(`/v1/runs/${runId}`);
      expect(final.body.status).toBe('SUCCEEDED');
    } finally {
      gate.close();
    }
  }, SLOW);

  it('Ctrl-C on a terminal asks whether to cancel; yes cancels the run and exits 2', async () => {
    let released = false;
    const gate = createServer((_req, res) => {
      res.writeHead(released ? 200 : 503).end();
    });
    await new Promise<void>((done) => gate.listen(0, '127.0.0.1', done));
    const waitUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/release`;
    try {
      // `script` gives the CLI a pseudo-terminal: a live table, and \x03 on it is a real Ctrl-C.
      // One process (node --import tsx), not tsx's CLI: that wrapper relays SIGINT to its child and
      // SIGKILLs it when the child has not acknowledged within 30 ms, which a loaded machine misses.
      // `exec`: script runs the command through $SHELL -c; dash (Debian's sh, and script's default
      // when SHELL is unset, as in CI) stays in between and is itself killed by the Ctrl-C (exit 130).
      const command = `exec ${process.execPath} --import tsx bin/dagy.ts run slow-fail@1.0.0 --param wait_url=${waitUrl} --watch`;
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      let stage: 'running' | 'asked' | 'answered' = 'running';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (stage === 'running' && /second\s+RUNNING/.test(output)) {
          stage = 'asked';
          child.stdin.write('\x03');
        } else if (stage === 'asked' && /Cancel run \S+\? \[y\/N\]/.test(output)) {
          stage = 'answered';
          child.stdin.write('y\r');
        }
      });
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(stage).toBe('answered');
      expect(code).toBe(2);
      const runId = /run (\S+)\s+slow-fail@1\.0\.0/.exec(output)?.[1];
      expect(runId).toBeDefined();
      expect((await owner.api.get(`/v1/runs/${runId}`)).body.status).toBe('CANCELLED');
      expect(output).toMatch(/\[#*\.*\] \d\/2/);
    } finally {
      released = true;
      gate.close();
    }
  }, SLOW);

  it('secrets set reads the value from stdin, never argv', async () => {
    const set = await dagy(['secrets', 'set', 'E2E_TOKEN'], { input: 'tok-from-stdin-42\n' });
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('secret E2E_TOKEN set (org-wide)\n');
    const revealed = await owner.api.post('/v1/secrets/E2E_TOKEN/reveal', {});
    expect(revealed.status).toBe(200);
    expect(revealed.body.value).toBe('tok-from-stdin-42');
  }, SLOW);

  it('API errors are one line with field paths and exit 1', async () => {
    const bad = await dagy(['run', 'etl-sdk@1.0.0', '--param', 'rows=-5', '--param', 'day=2026-11-30']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toBe('dagy: run parameters do not match the flow parameters schema (400 validation_failed): parameters.rows: must be >= 0\n');
  }, SLOW);

  it('a wrong key or a wrong URL is one clear line and exit 3, no stack trace', async () => {
    const wrongKey = await dagy(['whoami'], { env: { DAGY_API_KEY: 'dagy_key_not-a-real-key' } });
    expect(wrongKey.code).toBe(3);
    expect(wrongKey.stdout).toBe('');
    expect(wrongKey.stderr).toMatch(/^dagy: authentication failed: http:\/\/127\.0\.0\.1:\d+ rejected the API key \(.+\)\n$/);

    const closed = await freePort();
    const wrongUrl = await dagy(['flows', 'ls'], { env: { DAGY_URL: `http://127.0.0.1:${closed}` } });
    expect(wrongUrl.code).toBe(3);
    expect(wrongUrl.stderr).toBe(`dagy: cannot reach Dagy at http://127.0.0.1:${closed}: connection refused (check --url / DAGY_URL)\n`);
  }, SLOW);

  it('login saves a 0600 profile under XDG_CONFIG_HOME that later commands use', async () => {
    const login = await dagy(['--profile', 'e2e', 'login', '--url', platform.url, '--api-key', apiKey], { env: { DAGY_URL: undefined, DAGY_API_KEY: undefined } });
    expect(login.code).toBe(0);
    const file = join(configHome, 'dagy', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ current_profile: 'e2e', profiles: { e2e: { url: platform.url, api_key: apiKey } } });
    const whoami = await dagy(['--json', 'whoami'], { env: { DAGY_URL: undefined, DAGY_API_KEY: undefined } });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ principal_type: 'api_key', role: 'admin', organization: { org_id: owner.org_id } });
  }, SLOW);
});
