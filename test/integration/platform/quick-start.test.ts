import { startTestPlatform, apiClient } from '../../support/platform';
import { seedDemo } from '../../../local/seed-demo';
import type { Platform } from '../../../local/platform';

// The README's quick start: the first start seeds a demo organization, an admin API key and the
// example ETL flow; the key then starts the example and the run succeeds with its outputs.
describe('quick start', () => {
  let platform: Platform;
  let dataDir: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    dataDir = platform.dataDir;
  }, 60_000);
  afterAll(async () => platform?.stop());

  test('the seeded API key runs the example flow to SUCCEEDED', async () => {
    const demo = await seedDemo(platform.url, dataDir, { persist: true });
    expect(demo.api_key).toMatch(/^dagy_key_/);
    // A second start reads the same demo back instead of signing up again.
    expect(await seedDemo(platform.url, dataDir, { persist: true })).toEqual(demo);

    const api = apiClient(platform.url, { authorization: `Bearer ${demo.api_key}` });
    const started = await api.post('/v1/runs', { flow_name: demo.flow_name, flow_version: demo.flow_version, parameters: { day: '2026-11-28' } });
    expect(started.status).toBe(202);
    let run = started.body;
    for (let i = 0; i < 200 && !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await api.get(`/v1/runs/${started.body.run_id}`)).body;
    }
    expect(run.status).toBe('SUCCEEDED');
    expect(run.task_runs.map((t: { task_name: string; status: string }) => [t.task_name, t.status]).sort()).toEqual([
      ['aggregate', 'SUCCEEDED'],
      ['clean', 'SUCCEEDED'],
      ['enrich', 'SUCCEEDED'],
      ['fetch', 'SUCCEEDED'],
      ['stats', 'SUCCEEDED'],
    ]);
    expect(run.outputs).toEqual(expect.objectContaining({ rows: expect.any(Number), report: expect.any(Object) }));
  }, 60_000);
});
