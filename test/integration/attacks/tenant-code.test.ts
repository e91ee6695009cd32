import { connect } from 'node:net';
import { addMember, signUpTenant, type TestTenant } from '../../support/auth';
import { startExecutorFixture, taskLogs, taskRun, testArtifact, waitForRun, type Executor, type ExecutorFixture, type RunView } from '../execution/executors-support';

/*
 * Tenant code is hostile. Task code that tries, through each executor, what an attacker would:
 * read the platform's credentials and configuration, signal or debug its parent (and the
 * platform itself), open an inspector, read another organization's files, write files, spawn
 * processes, reach the cloud metadata endpoints. Each attempt gets nothing of value, no inspector
 * port opens, and another organization's run at the same time finishes normally.
 *
 * The metadata endpoints are tried as http tasks (refused by the egress guard before any packet
 * leaves): this machine may send nothing to link-local addresses, and in AWS no role behind them
 * holds anything (the code executor's role grants only its log writes, the ECS task role only
 * task-token callbacks; infra tests check both).
 */

const ATTACKS = String.raw`
import * as fs from 'node:fs';
const denied = (fn) => { try { const v = fn(); return { got: typeof v === 'string' ? v.slice(0, 200) : v }; } catch (e) { return { denied: e.code ?? String(e.message ?? e) }; } };

export async function envLeak() {
  return { names: Object.keys(process.env).filter((k) => /^(AWS_|DAGY_|ECS_)/.test(k)), all: Object.keys(process.env).sort() };
}
export async function procEnviron() {
  return {
    self: denied(() => fs.readFileSync('/proc/self/environ', 'utf8')),
    parent: denied(() => fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8')),
    parentCmd: denied(() => fs.readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8')),
  };
}
export async function signals({ parameters }) {
  return {
    usr1Parent: denied(() => process.kill(process.ppid, 'SIGUSR1')),
    killParent: denied(() => process.kill(process.ppid, 'SIGKILL')),
    killPlatform: denied(() => process.kill(parameters.platform_pid, 'SIGKILL')),
    usr1Platform: denied(() => process.kill(parameters.platform_pid, 'SIGUSR1')),
    debugParent: denied(() => process._debugProcess(process.ppid)),
  };
}
export async function inspector() {
  const net = await import('node:net');
  const probe = (port) => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve('open'); });
    s.once('error', (e) => resolve(e.code));
  });
  // SIGUSR1 to itself: the inspector stays off (permission model), whatever listeners say.
  process.removeAllListeners('SIGUSR1');
  process.kill(process.pid, 'SIGUSR1');
  await new Promise((r) => setTimeout(r, 300));
  let session = 'none';
  try { const { Session } = await import('node:inspector'); new Session().connect(); session = 'connected'; } catch (e) { session = e.code ?? 'refused'; }
  return { port9229: await probe(9229), session };
}
export async function files({ parameters }) {
  return {
    otherOrgByPath: denied(() => fs.readdirSync(parameters.other_org_dir)),
    siblingOrgs: denied(() => fs.readdirSync('../..')),
    etcPasswd: denied(() => fs.readFileSync('/etc/passwd', 'utf8')),
    platformKey: denied(() => fs.readFileSync(parameters.platform_key_file, 'utf8')),
    write: denied(() => fs.writeFileSync('/tmp/dagy-attack-' + process.pid, 'x')),
    writeHere: denied(() => fs.writeFileSync('./planted.js', 'x')),
  };
}
export async function processes() {
  const cp = await import('node:child_process');
  const wt = await import('node:worker_threads');
  return {
    spawn: denied(() => cp.execFileSync('/bin/sh', ['-c', 'id']).toString()),
    worker: denied(() => { new wt.Worker('1', { eval: true }); return 'started'; }),
  };
}
export async function steady({ parameters }) {
  await new Promise((r) => setTimeout(r, parameters.ms ?? 300));
  return { fine: true };
}
export async function leakSecret({ secrets }) {
  console.log('token is', secrets.API_TOKEN);
  console.log('b64', Buffer.from(secrets.API_TOKEN).toString('base64'));
  console.log('url', encodeURIComponent(secrets.API_TOKEN));
  return { token: secrets.API_TOKEN, nested: { again: 'x' + secrets.API_TOKEN + 'y' } };
}
`;

const SECRET = 'sk_live_Zr9/Qx+Vm7&tenant=a b';

async function registerAttacks(tenant: TestTenant, executor: Executor, name: string): Promise<string> {
  const tasks = ['envLeak', 'procEnviron', 'signals', 'inspector', 'files', 'processes'].map((t) => ({
    name: t,
    type: 'code',
    handler: `tasks/attacks.mjs:${t}`,
    timeout_seconds: 30,
    ...(executor === 'step-functions' ? { executor: 'lambda' } : {}),
  }));
  // A name that resolves to an internal address: refused by the egress guard at run time.
  const internal = { name: 'internalHttp', type: 'http', request: { method: 'GET', url: 'https://localhost/latest/meta-data/iam/security-credentials/' }, timeout_seconds: 10 };
  const res = await tenant.api.post('/v1/flows', {
    flow_name: name,
    flow_version: '1.0.0',
    flow_spec: { tasks: [...tasks, internal], edges: [], outputs: Object.fromEntries(tasks.map((t) => [t.name, t.name])) },
    artifact: { zip_base64: testArtifact({ 'tasks/attacks.mjs': ATTACKS }) },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}

function output(run: RunView, task: string): Record<string, unknown> {
  const t = taskRun(run, task);
  expect({ task, status: t.status, error: t.error_message }).toMatchObject({ task, status: 'SUCCEEDED' });
  return (run.outputs ?? {})[task] as Record<string, unknown>;
}

let fx: ExecutorFixture;
let other: TestTenant;

beforeAll(async () => {
  fx = await startExecutorFixture();
  other = await signUpTenant(fx.platform.url, 'bystander');
}, 90_000);

afterAll(async () => {
  await fx?.platform.stop();
});

async function inspectorPortOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(9229, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe.each<Executor>(['step-functions', 'lambda', 'ecs'])('attacks through the %s executor', (executor) => {
  test('task code gets nothing of value, opens no inspector, and another organization runs undisturbed', async () => {
    const flowName = await registerAttacks(fx.tenant, executor, `attacks-${executor.replace(/[^a-z]/g, '')}-${Date.now().toString(36)}`);
    // The bystander's flow: a plain task that runs while the attacks do.
    const bystanderFlow = `steady-${executor.replace(/[^a-z]/g, '')}-${Date.now().toString(36)}`;
    expect(
      (
        await other.api.post('/v1/flows', {
          flow_name: bystanderFlow,
          flow_version: '1.0.0',
          flow_spec: { tasks: [{ name: 'steady', type: 'code', handler: 'tasks/attacks.mjs:steady', timeout_seconds: 30, parameters: { ms: 1500 } }], edges: [] },
          artifact: { zip_base64: testArtifact({ 'tasks/attacks.mjs': ATTACKS }) },
        })
      ).status,
    ).toBe(201);

    const otherOrgDir = `../../${other.org_id}`;
    const parameters = { platform_pid: process.pid, other_org_dir: otherOrgDir, platform_key_file: fx.platform.resources.localKeyFile };
    const [attack, bystander] = await Promise.all([
      fx.api.post('/v1/runs', { flow_name: flowName, flow_version: '1.0.0', executor, parameters }),
      other.api.post('/v1/runs', { flow_name: bystanderFlow, flow_version: '1.0.0', executor }),
    ]);
    expect([attack.status, bystander.status]).toEqual([202, 202]);
    const [run, calm] = await Promise.all([waitForRun(fx.api, attack.body.run_id, undefined, 120_000), waitForRun(other.api, bystander.body.run_id, undefined, 120_000)]);

    // The bystander's run finished normally.
    expect(calm.status).toBe('SUCCEEDED');
    // The platform process is alive (this test runs in it) and no inspector listens.
    expect(await inspectorPortOpen()).toBe(false);

    const env = output(run, 'envLeak');
    expect(env.names).toEqual([]);
    for (const name of env.all as string[]) expect(['TZ', 'LANG', 'LC_ALL', 'PATH']).toContain(name);

    const proc = output(run, 'procEnviron');
    for (const probe of Object.values(proc)) expect(probe).toEqual({ denied: 'ERR_ACCESS_DENIED' });

    const sig = output(run, 'signals');
    for (const [what, probe] of Object.entries(sig)) expect({ what, probe }).toEqual({ what, probe: { denied: 'EPERM' } });

    const insp = output(run, 'inspector');
    expect(insp.port9229).not.toBe('open');
    expect(insp.session).not.toBe('connected');

    const fsProbe = output(run, 'files');
    for (const [what, probe] of Object.entries(fsProbe)) expect({ what, probe }).toEqual({ what, probe: { denied: 'ERR_ACCESS_DENIED' } });

    const procs = output(run, 'processes');
    for (const [what, probe] of Object.entries(procs)) expect({ what, probe }).toEqual({ what, probe: { denied: 'ERR_ACCESS_DENIED' } });

    // An internal address behind a name: refused by the egress guard, never contacted.
    expect(taskRun(run, 'internalHttp')).toMatchObject({ status: 'FAILED', error_message: expect.stringMatching(/egress refused.*loopback/) });
  }, 180_000);
});

test('http tasks aimed at the cloud metadata endpoints are refused at registration (never contacted)', async () => {
  for (const url of ['https://169.254.169.254/latest/meta-data/', 'https://169.254.170.2/v2/credentials', 'https://[::ffff:169.254.169.254]/', 'https://2852039166/']) {
    const res = await fx.api.post('/v1/flows', {
      flow_name: `meta-${Date.now().toString(36)}`,
      flow_version: '1.0.0',
      flow_spec: { tasks: [{ name: 'steal', type: 'http', request: { method: 'GET', url } }], edges: [] },
    });
    expect({ url, status: res.status }).toEqual({ url, status: 400 });
    expect(JSON.stringify(res.body.error.details)).toContain('flow_spec.tasks[0].request.url');
  }
});

test('a task that prints and returns its secret: a viewer reads *** in its logs and output', async () => {
  expect((await fx.api.post('/v1/secrets', { secret_name: 'API_TOKEN', value: SECRET })).status).toBe(201);
  const flowName = `leak-${Date.now().toString(36)}`;
  const reg = await fx.api.post('/v1/flows', {
    flow_name: flowName,
    flow_version: '1.0.0',
    flow_spec: { tasks: [{ name: 'leak', type: 'code', handler: 'tasks/attacks.mjs:leakSecret', secrets: ['API_TOKEN'], timeout_seconds: 30 }], edges: [], outputs: { token: 'leak.token', nested: 'leak.nested' } },
    artifact: { zip_base64: testArtifact({ 'tasks/attacks.mjs': ATTACKS }) },
  });
  expect(reg.status).toBe(201);
  const viewer = await addMember(fx.platform.url, fx.tenant, 'viewer', 'leak-viewer');
  for (const executor of ['lambda', 'ecs', 'step-functions'] as const) {
    const started = await fx.api.post('/v1/runs', { flow_name: flowName, flow_version: '1.0.0', executor });
    expect(started.status).toBe(202);
    await waitForRun(fx.api, started.body.run_id);
    const seen = await viewer.inOrg.get(`/v1/runs/${started.body.run_id}`);
    expect(seen.status).toBe(200);
    const run = seen.body as RunView;
    expect(run.status).toBe('SUCCEEDED');
    const text = JSON.stringify(seen.body);
    const logs = await taskLogs(viewer.inOrg, run.run_id, taskRun(run, 'leak').task_run_id);
    for (const form of [SECRET, Buffer.from(SECRET).toString('base64'), encodeURIComponent(SECRET)]) {
      expect({ executor, inRun: text.includes(form), inLogs: logs.includes(form), inOutput: JSON.stringify(run.outputs).includes(form) }).toEqual({
        executor,
        inRun: false,
        inLogs: false,
        inOutput: false,
      });
    }
    expect(logs).toContain('token is ***');
    expect(logs).toContain('b64 ***');
    expect(logs).toContain('url ***');
    expect(run.outputs).toEqual({ token: '***', nested: { again: 'x***y' } });
  }
}, 180_000);
