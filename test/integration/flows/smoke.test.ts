import { startTestPlatform } from '../../support/platform';
import { signUpTenant } from '../../support/auth';
import type { Platform } from '../../../local/platform';

describe('smoke', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startTestPlatform({ functionLogSink: (l) => { if (l.includes('"error"')) process.stderr.write(l + '\n'); } });
  }, 60_000);
  afterAll(async () => platform?.stop());
  it('signs up and lists environments', async () => {
    const t = await signUpTenant(platform.url);
    const envs = await t.api.get('/v1/environments');
    console.log(JSON.stringify(envs.body));
    const r = await t.api.post('/v1/flows', { flow_name: 'x', flow_version: '1.0.0', flow_spec: { tasks: [{ name: 'a', type: 'http', request: { method: 'GET', url: 'https://example.com' } }] } });
    console.log(r.status, JSON.stringify(r.body));
  });
});
