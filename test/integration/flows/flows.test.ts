import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { canonicalJson, validateFlowSpec } from '../../../lambdas/engine';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import {
  addMember,
  auditedBy,
  codeRegistration,
  codeSpec,
  httpRegistration,
  httpSpec,
  parseJson,
  scanAll,
  TASK_CODE,
  zipOf,
  type Member,
} from './helpers';

function expectedCodeHash(spec: unknown, zip: Buffer | null): string {
  const result = validateFlowSpec(spec);
  if (!result.ok) throw new Error('test spec is invalid');
  const hash = createHash('sha256').update(canonicalJson(result.spec)).update(Buffer.of(0));
  if (zip !== null) hash.update(zip);
  return hash.digest('hex');
}

// Flow registration, listing and status through HTTP on the local platform.
describe('flows API', () => {
  let platform: Platform;
  let owner: TestTenant;
  let developer: Member;
  let viewer: Member;
  let stranger: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'flows');
    [developer, viewer, stranger] = await Promise.all([
      addMember(platform.url, owner, 'developer'),
      addMember(platform.url, owner, 'viewer'),
      signUpTenant(platform.url, 'stranger'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('registers a version with an inline ZIP: content-addressed artifact, code_hash of spec and code, one audit record', async () => {
    const body = codeRegistration('etl', '1.0.0');
    const zip = Buffer.from(body.artifact.zip_base64, 'base64');
    const { result: res, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/flows', body));
    expect(res.status).toBe(201);
    const hash = expectedCodeHash(codeSpec(), zip);
    expect(res.body).toMatchObject({
      flow_name: 'etl',
      flow_version: '1.0.0',
      namespace: 'data/ingestion',
      tags: { team: 'data-eng' },
      status: 'ACTIVE',
      default_executor: 'step-functions',
      code_hash: hash,
      artifact_s3_uri: `s3://${platform.resources.buckets.artifacts}/artifacts/${owner.org_id}/etl/${hash}.zip`,
      created_by: developer.email,
    });
    // Stored as registered (canonical JSON); the engine fills the defaults in when it parses it.
    expect(res.body.flow_spec_json).toBe(canonicalJson(codeSpec()));
    expect(res.body.flow_spec.tasks.map((t: { name: string }) => t.name)).toEqual(['extract', 'transform', 'notify']);

    const object = await platform.s3.send(new GetObjectCommand({ Bucket: platform.resources.buckets.artifacts, Key: `artifacts/${owner.org_id}/etl/${hash}.zip` }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(zip)).toBe(true);

    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'flow', resource_id: 'etl@1.0.0', action: 'create', actor_email: developer.email, before_json: null });
    const after = parseJson(records[0]!.after_json);
    expect(after).toMatchObject({ flow_name: 'etl', flow_version: '1.0.0', status: 'ACTIVE' });
    expect(after.flow_spec_json).toBeUndefined();
  });

  it('answers the same version with the same code 200 unchanged, and with other code 409, writing nothing', async () => {
    const first = await owner.api.post('/v1/flows', codeRegistration('immutable', '1.0.0'));
    expect(first.status).toBe(201);
    const { result, records } = await auditedBy(platform, owner.org_id, async () => {
      // Key order and spelled-out defaults do not change the spec, so not the hash either.
      const same = codeRegistration('immutable', '1.0.0');
      same.flow_spec.tasks[1] = { handler: 'tasks/transform.js:run', type: 'code', name: 'transform', retries: 0 } as never;
      const again = await owner.api.post('/v1/flows', same);
      const changed = await owner.api.post('/v1/flows', codeRegistration('immutable', '1.0.0', {}, { ...TASK_CODE, 'tasks/extract.js': 'export async function run() { return { rows: 4 }; }\n' }));
      const changedSpec = await owner.api.post('/v1/flows', { ...codeRegistration('immutable', '1.0.0'), flow_spec: { ...codeSpec(), outputs: {} } });
      return { again, changed, changedSpec };
    });
    expect(result.again.status).toBe(200);
    expect(result.again.body).toMatchObject({ code_hash: first.body.code_hash, created_at: first.body.created_at });
    for (const res of [result.changed, result.changedSpec]) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('flow_version_exists');
    }
    expect(records).toHaveLength(0);
    const stored = await owner.api.get('/v1/flows/immutable/versions/1.0.0');
    expect(stored.body.code_hash).toBe(first.body.code_hash);
  });

  it('registers from a presigned upload, and refuses keys of other organizations or never uploaded', async () => {
    const url = await developer.inOrg.post('/v1/artifacts/upload-url');
    expect(url.status).toBe(201);
    expect(url.body.upload_key).toMatch(new RegExp(`^uploads/${owner.org_id}/[0-9a-f-]{36}\\.zip$`));
    expect(Date.parse(url.body.expires_at)).toBeGreaterThan(Date.now());
    const zip = zipOf(TASK_CODE);
    const put = await fetch(url.body.url, { method: 'PUT', body: zip });
    expect(put.status).toBe(200);

    const { artifact: _inline, ...body } = codeRegistration('uploaded', '1.0.0');
    const res = await developer.inOrg.post('/v1/flows', { ...body, artifact: { upload_key: url.body.upload_key } });
    expect(res.status).toBe(201);
    expect(res.body.code_hash).toBe(expectedCodeHash(codeSpec(), zip));

    const theirs = await stranger.api.post('/v1/artifacts/upload-url');
    const foreign = await owner.api.post('/v1/flows', { ...body, flow_version: '2.0.0', artifact: { upload_key: theirs.body.upload_key } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([{ path: 'artifact.upload_key', message: expect.stringContaining('not an upload key') }]);

    const never = await owner.api.post('/v1/flows', { ...body, flow_version: '2.0.0', artifact: { upload_key: `uploads/${owner.org_id}/00000000-0000-4000-8000-000000000000.zip` } });
    expect(never.status).toBe(400);
    expect(never.body.error.details[0].path).toBe('artifact.upload_key');
    expect((await owner.api.get('/v1/flows/uploaded/versions/2.0.0')).status).toBe(404);
  });

  it('refuses a ZIP that is not a ZIP, a missing handler module and code tasks without code, writing nothing', async () => {
    const flowsBefore = (await scanAll(platform, 'Flow')).length;
    const { result, records } = await auditedBy(platform, owner.org_id, async () => ({
      notZip: await owner.api.post('/v1/flows', codeRegistration('broken', '1.0.0', { artifact: { zip_base64: Buffer.from('definitely not a zip').toString('base64') } })),
      notBase64: await owner.api.post('/v1/flows', codeRegistration('broken', '1.0.0', { artifact: { zip_base64: '***' } })),
      missingModule: await owner.api.post('/v1/flows', codeRegistration('broken', '1.0.0', {}, { 'tasks/extract.js': TASK_CODE['tasks/extract.js'] })),
      noArtifact: await owner.api.post('/v1/flows', { ...codeRegistration('broken', '1.0.0'), artifact: undefined }),
      both: await owner.api.post('/v1/flows', codeRegistration('broken', '1.0.0', { artifact: { zip_base64: zipOf(TASK_CODE).toString('base64'), upload_key: 'x' } })),
    }));
    expect(result.notZip.status).toBe(400);
    expect(result.notZip.body.error.details).toEqual([{ path: 'artifact', message: 'is not a ZIP archive' }]);
    expect(result.notBase64.status).toBe(400);
    expect(result.notBase64.body.error.details[0].path).toBe('artifact.zip_base64');
    expect(result.missingModule.status).toBe(400);
    expect(result.missingModule.body.error.details).toEqual([{ path: 'flow_spec.tasks[1].handler', message: "module 'tasks/transform.js' is not in the artifact" }]);
    expect(result.noArtifact.status).toBe(400);
    expect(result.noArtifact.body.error.details[0].path).toBe('artifact');
    expect(result.both.status).toBe(400);
    expect(result.both.body.error.details[0].path).toBe('artifact');
    expect(records).toHaveLength(0);
    expect((await scanAll(platform, 'Flow')).length).toBe(flowsBefore);
  });

  it('reports every spec issue with its flow_spec path, and envelope issues (unknown fields, names) with theirs', async () => {
    const res = await owner.api.post('/v1/flows', {
      flow_name: 'bad name!',
      flow_version: 'v'.repeat(129),
      surprise: true,
      flow_spec: {
        tasks: [
          { name: 'a', type: 'code', handler: 'nothing-here' },
          { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
        ],
        edges: [{ from: 'a', to: 'ghost' }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['flow_name', 'flow_version', 'surprise', 'flow_spec.tasks[0].handler']));

    const graph = await owner.api.post('/v1/flows', httpRegistration('cyclic', '1.0.0', {
      flow_spec: {
        tasks: [
          { name: 'a', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
          { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
        ],
        edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'a', to: 'ghost' }],
        extra: 1,
      },
    }));
    expect(graph.status).toBe(400);
    expect(graph.body.error.details).toEqual([{ path: 'flow_spec.extra', message: 'unknown field' }]);

    const cycle = await owner.api.post('/v1/flows', httpRegistration('cyclic', '1.0.0', {
      flow_spec: {
        tasks: [
          { name: 'a', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
          { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
        ],
        edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'a', to: 'ghost' }],
      },
    }));
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.details).toEqual(expect.arrayContaining([
      { path: 'flow_spec.edges[2].to', message: "unknown task 'ghost'" },
      { path: 'flow_spec.edges[1]', message: expect.stringContaining('cycle') },
    ]));
    const missing = await owner.api.post('/v1/flows', { flow_name: 'x', flow_version: '1' });
    expect(missing.body.error.details).toEqual([{ path: 'flow_spec', message: 'required' }]);
    expect((await owner.api.get('/v1/flows/cyclic/versions/1.0.0')).status).toBe(404);
  });

  it('answers 413 for a spec over 256 KB, an inline artifact over 4 MB and a body over the route limit', async () => {
    const bigSpec = { ...httpSpec(), parameters: { type: 'object', description: 'x'.repeat(270 * 1024) } };
    const spec = await owner.api.post('/v1/flows', httpRegistration('big', '1.0.0', { flow_spec: bigSpec }));
    expect(spec.status).toBe(413);
    const bigZip = Buffer.alloc(4 * 1024 * 1024 + 10, 1).toString('base64');
    const artifact = await owner.api.post('/v1/flows', codeRegistration('big', '1.0.0', { artifact: { zip_base64: bigZip } }));
    expect(artifact.status).toBe(413);
    const body = await owner.api.post('/v1/flows', { ...httpRegistration('big', '1.0.0'), padding: 'x'.repeat(6.5 * 1024 * 1024) });
    expect(body.status).toBe(413);
    const draftSpec = await owner.api.post('/v1/drafts', { flow_spec: bigSpec });
    expect(draftSpec.status).toBe(413);
  });

  it('registers a flow of the engine’s maximum of 2000 tasks (stored as written, within an item)', async () => {
    const tasks = Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, type: 'http', request: { method: 'GET', url: 'https://e.x' } }));
    const edges = tasks.slice(1).map((t, i) => ({ from: `t${i}`, to: t.name }));
    const res = await owner.api.post('/v1/flows', httpRegistration('wide', '1.0.0', { flow_spec: { tasks, edges } }));
    expect(res.status).toBe(201);
    expect(res.body.flow_spec.tasks).toHaveLength(2000);
  });

  it('lists flows by namespace (segment-wise) and tag, paginated', async () => {
    const regs = [
      httpRegistration('ns-a', '1.0.0', { namespace: 'analytics', tags: { team: 'bi' } }),
      httpRegistration('ns-b', '1.0.0', { namespace: 'analytics/daily', tags: { team: 'bi', tier: 'gold' } }),
      httpRegistration('ns-c', '1.0.0', { namespace: 'analyticsx', tags: { team: 'ops' } }),
      httpRegistration('ns-d', '1.0.0', { namespace: 'analytics/daily', tags: { team: 'ops' } }),
    ];
    for (const r of regs) expect((await owner.api.post('/v1/flows', r)).status).toBe(201);

    const names = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: any } = await viewer.inOrg.get(`/v1/flows?${query}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { flow_name: string }) => i.flow_name));
        cursor = res.body.next_cursor;
      } while (cursor !== null);
      return seen;
    };
    // Ordered by namespace/flow_name#flow_version: analytics/daily/… sorts before analytics/ns-a.
    expect(await names('namespace=analytics')).toEqual(['ns-b', 'ns-d', 'ns-a']);
    expect(await names('namespace=analytics/daily&tag=team:ops')).toEqual(['ns-d']);
    expect(await names('namespace=analytics&tag=tier')).toEqual(['ns-b']);
    const listed = await owner.api.get('/v1/flows?namespace=analyticsx');
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].flow_spec_json).toBeUndefined();

    expect((await owner.api.get('/v1/flows?namespace=bad//ns')).status).toBe(400);
    expect((await owner.api.get('/v1/flows?unknown=1')).status).toBe(400);
    expect((await stranger.api.get('/v1/flows?namespace=analytics')).body.items).toEqual([]);
  });

  it('lists versions in semantic version order, other strings after, paginated', async () => {
    const versions = ['1.10.0', 'latest', '1.2.0', '1.0.0-rc.1', '2.0.0-alpha', '1.0.0', 'abc', '1.0.0-rc.10', '1.0.0-rc.2'];
    for (const v of versions) expect((await owner.api.post('/v1/flows', httpRegistration('versioned', v))).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await viewer.inOrg.get(`/v1/flows/versioned/versions?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { flow_version: string }) => i.flow_version));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(['1.0.0-rc.1', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0', '1.2.0', '1.10.0', '2.0.0-alpha', 'abc', 'latest']);
    expect((await owner.api.get('/v1/flows/never-registered/versions')).status).toBe(404);
  });

  it('sets a version INACTIVE and back (audited), refuses other statuses, and hides it from other orgs', async () => {
    expect((await owner.api.post('/v1/flows', httpRegistration('toggle', '1.0.0'))).status).toBe(201);
    const { result, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.patch('/v1/flows/toggle/versions/1.0.0', { status: 'INACTIVE' }));
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('INACTIVE');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'flow', resource_id: 'toggle@1.0.0', action: 'update' });
    expect(parseJson(records[0]!.before_json).status).toBe('ACTIVE');
    expect(parseJson(records[0]!.after_json).status).toBe('INACTIVE');

    const again = await auditedBy(platform, owner.org_id, () => owner.api.patch('/v1/flows/toggle/versions/1.0.0', { status: 'INACTIVE' }));
    expect(again.result.status).toBe(200);
    expect(again.records).toHaveLength(0);

    expect((await owner.api.patch('/v1/flows/toggle/versions/1.0.0', { status: 'DELETED' })).status).toBe(400);
    expect((await owner.api.patch('/v1/flows/toggle/versions/1.0.0', { status: 'ACTIVE', code_hash: 'x' })).status).toBe(400);
    expect((await viewer.inOrg.patch('/v1/flows/toggle/versions/1.0.0', { status: 'ACTIVE' })).status).toBe(403);
    expect((await owner.api.patch('/v1/flows/toggle/versions/9.9.9', { status: 'ACTIVE' })).status).toBe(404);

    for (const res of [
      await stranger.api.get('/v1/flows/toggle/versions/1.0.0'),
      await stranger.api.patch('/v1/flows/toggle/versions/1.0.0', { status: 'ACTIVE' }),
      await stranger.api.get('/v1/flows/toggle/versions'),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await owner.api.get('/v1/flows/toggle/versions/1.0.0')).body.status).toBe('INACTIVE');
  });

  it('lets viewers read but not register, and checks path names', async () => {
    expect((await viewer.inOrg.post('/v1/flows', httpRegistration('viewer-flow', '1.0.0'))).status).toBe(403);
    expect((await viewer.inOrg.post('/v1/artifacts/upload-url')).status).toBe(403);
    const bad = await owner.api.get(`/v1/flows/${'n'.repeat(129)}/versions/1.0.0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('flow_name');
  });
});
