import { MAX_TASKS } from '../../../lambdas/engine';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { zipOf } from './helpers';

/** `n` code tasks in 100 parallel chains (the scale bench's shape for the largest flow). */
function wideSpec(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(4, '0')}`, type: 'code', handler: 'tasks/run.js:run' }));
  const edges = tasks.slice(100).map((t, i) => ({ from: tasks[i]!.name, to: t.name }));
  return { tasks, edges };
}

// The FlowSpec's task limit at the API: the largest flow registers, one task more is a 400 naming
// the limit, with nothing written. (Running the largest flow to the end takes minutes: the scale
// bench does it, bench/scale/flow2000.ts.) Tasks are lean: a flow_spec is at most 256 KB.
describe('flow size limit', () => {
  let platform: Platform;
  let owner: TestTenant;
  const artifact = { zip_base64: zipOf({ 'tasks/run.js': 'export async function run() { return {}; }\n' }).toString('base64') };

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'limit');
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it(`registers a flow of exactly ${MAX_TASKS} tasks`, async () => {
    expect(MAX_TASKS).toBe(2000);
    const res = await owner.api.post('/v1/flows', { flow_name: 'largest', flow_version: '1', flow_spec: wideSpec(MAX_TASKS), artifact });
    expect(res.status).toBe(201);
    expect(res.body.flow_spec.tasks).toHaveLength(MAX_TASKS);
    const read = await owner.api.get('/v1/flows/largest/versions/1');
    expect(read.status).toBe(200);
    expect(read.body.flow_spec.tasks).toHaveLength(MAX_TASKS);
  });

  it(`refuses ${MAX_TASKS + 1} tasks with a 400 naming the limit, and writes nothing`, async () => {
    const res = await owner.api.post('/v1/flows', { flow_name: 'too-large', flow_version: '1', flow_spec: wideSpec(MAX_TASKS + 1), artifact });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual({ path: 'flow_spec.tasks', message: `at most ${MAX_TASKS} tasks are allowed` });
    expect((await owner.api.get('/v1/flows/too-large/versions/1')).status).toBe(404);
  });
});
