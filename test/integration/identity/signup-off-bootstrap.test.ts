import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Platform } from '../../../local/platform';
import { apiClient, startTestPlatform } from '../../support/platform';

// A stage with signup off (DAGY_SIGNUP_ENABLED=false, as CDK sets it from -c signupEnabled=false):
// signup answers 403, and the first owner comes from the one-time bootstrap, here through the real
// CLI (`dagy admin bootstrap`) invoking the identity function via the local Lambda API.

const ROOT = resolve('.');
let platform: Platform;

beforeAll(async () => {
  platform = await startTestPlatform({ functionEnv: { DAGY_SIGNUP_ENABLED: 'false' } });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

function bootstrapCli(email: string, password: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['bin/dagy.ts', 'admin', 'bootstrap', '--function', 'http-identity', '--endpoint', platform.resources.emulatorEndpoint, '--region', 'us-east-1', '--email', email, '--org-name', 'First Org', '--name', 'First Owner'],
      { cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(`${password}\n`);
  });
}

describe('signup turned off, and the first owner bootstrapped once', () => {
  it('refuses signup with a 403 in the error shape and writes nothing', async () => {
    const api = apiClient(platform.url);
    const res = await api.post('/v1/auth/signup', { email: 'someone@example.com', password: 'a-long-enough-password-1', name: 'Someone', org_name: 'Org' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: 'forbidden', message: 'signup is turned off on this platform; an admin of an organization can add you as a member', details: [] } });
    const login = await api.post('/v1/auth/login', { email: 'someone@example.com', password: 'a-long-enough-password-1' });
    expect(login.status).toBe(401);
  });

  it('bootstraps the first owner through `dagy admin bootstrap`, who can then log in as owner; a second bootstrap is refused', async () => {
    const password = 'first-owner-password-42';
    const first = await bootstrapCli('owner@example.com', password);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created the first owner owner@example\.com of organization First Org \(\S+\)/);

    const api = apiClient(platform.url);
    const login = await api.post('/v1/auth/login', { email: 'owner@example.com', password });
    expect(login.status).toBe(200);
    expect(login.body.organizations).toEqual([expect.objectContaining({ name: 'First Org', role: 'owner' })]);

    const again = (await platform.invoke('http-identity', {
      dagy_bootstrap: { email: 'second@example.com', password, name: 'Second', org_name: 'Second Org' },
    })) as { ok: boolean; error?: { code: string } };
    expect(again).toEqual({ ok: false, error: { code: 'already_bootstrapped', message: 'this platform is already bootstrapped: its first owner exists', details: [] } });
    expect((await api.post('/v1/auth/login', { email: 'second@example.com', password })).status).toBe(401);

    const invalid = (await platform.invoke('http-identity', { dagy_bootstrap: { email: 'not-an-email' } })) as { ok: boolean; error?: { code: string; details: { path: string }[] } };
    expect(invalid.ok).toBe(false);
    expect(invalid.error?.details.map((d) => d.path)).toEqual(expect.arrayContaining(['dagy_bootstrap.email', 'dagy_bootstrap.password']));
  }, 120_000);
});
