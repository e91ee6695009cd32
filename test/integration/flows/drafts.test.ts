import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { addMember, auditedBy, codeRegistration, codeSpec, httpRegistration, httpSpec, parseJson, TASK_CODE, zipOf, type Member } from './helpers';

// Drafts through HTTP: versions and 412, validation mapped to tasks, publishing a flow version.
describe('drafts API', () => {
  let platform: Platform;
  let owner: TestTenant;
  let developer: Member;
  let viewer: Member;
  let stranger: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform();
    owner = await signUpTenant(platform.url, 'drafts');
    [developer, viewer, stranger] = await Promise.all([
      addMember(platform.url, owner, 'developer'),
      addMember(platform.url, owner, 'viewer'),
      signUpTenant(platform.url, 'stranger'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates, reads and updates a draft with versions; a stale update is a 412 that changes nothing', async () => {
    const { result: created, records } = await auditedBy(platform, owner.org_id, () =>
      developer.inOrg.post('/v1/drafts', { name: 'My ETL', flow_name: 'etl', flow_spec: { tasks: [] } }),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ name: 'My ETL', flow_name: 'etl', version: 1, flow_spec: { tasks: [] }, artifact: null, created_by: developer.email });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'draft', resource_id: created.body.draft_id, action: 'create', before_json: null });
    const id: string = created.body.draft_id;

    const edited = await auditedBy(platform, owner.org_id, () =>
      developer.inOrg.put(`/v1/drafts/${id}`, { name: 'My ETL', flow_name: 'etl', flow_spec: httpSpec() }, { 'if-match': '"1"' }),
    );
    expect(edited.result.status).toBe(200);
    expect(edited.result.body).toMatchObject({ version: 2, flow_spec: httpSpec() });
    expect(edited.result.headers.get('etag')).toBe('"2"');
    expect(edited.records).toHaveLength(1);
    expect(parseJson(edited.records[0]!.before_json)).toMatchObject({ version: 1 });
    expect(parseJson(edited.records[0]!.after_json)).toMatchObject({ version: 2 });

    // A second editor still holding version 1 loses: 412, and the draft keeps the first edit.
    const stale = await auditedBy(platform, owner.org_id, () => owner.api.put(`/v1/drafts/${id}`, { name: 'Overwrite', flow_spec: { tasks: [] }, version: 1 }));
    expect(stale.result.status).toBe(412);
    expect(stale.result.body.error.code).toBe('precondition_failed');
    expect(stale.records).toHaveLength(0);
    const current = await viewer.inOrg.get(`/v1/drafts/${id}`);
    expect(current.body).toMatchObject({ name: 'My ETL', version: 2, flow_spec: httpSpec() });

    const unversioned = await owner.api.put(`/v1/drafts/${id}`, { name: 'no version' });
    expect(unversioned.status).toBe(400);
    expect(unversioned.body.error.code).toBe('version_required');
    expect((await owner.api.put(`/v1/drafts/${id}`, { name: 'x', version: 2 }, { 'if-match': '"1"' })).status).toBe(400);
    expect((await owner.api.put(`/v1/drafts/${id}`, { name: 'x', version: 2, color: 1 })).status).toBe(400);
    expect((await viewer.inOrg.put(`/v1/drafts/${id}`, { name: 'x', version: 2 })).status).toBe(403);
  });

  it('validates a draft, mapping engine errors to the tasks they concern', async () => {
    const spec = {
      tasks: [
        { name: 'extract', type: 'code', handler: 'not a handler' },
        { name: 'load', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
      ],
      edges: [{ from: 'load', to: 'ghost' }],
    };
    const created = await developer.inOrg.post('/v1/drafts', { flow_name: 'etl', flow_spec: spec });
    const res = await viewer.inOrg.post(`/v1/drafts/${created.body.draft_id}/validate`);
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toEqual([{ task: 'extract', path: 'flow_spec.tasks[0].handler', message: expect.any(String) }]);

    const graph = {
      tasks: [
        { name: 'a', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
        { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
        { name: 'b', type: 'http', request: { method: 'GET', url: 'https://example.com' } },
      ],
      edges: [{ from: 'a', to: 'ghost' }, { from: 'a', to: 'b' }, { from: 'b', to: 'a' }],
      outputs: { x: 'nobody.field' },
    };
    const second = await developer.inOrg.post('/v1/drafts', { flow_spec: graph });
    const checked = await developer.inOrg.post(`/v1/drafts/${second.body.draft_id}/validate`);
    expect(checked.body.valid).toBe(false);
    expect(checked.body.errors).toEqual(expect.arrayContaining([
      { task: null, path: 'flow_name', message: 'required to publish' },
      { task: 'b', path: 'flow_spec.tasks[2].name', message: expect.stringContaining('duplicate') },
      { task: 'a', path: 'flow_spec.edges[0].to', message: "unknown task 'ghost'" },
      { task: 'b', path: 'flow_spec.edges[2]', message: 'cycle: a -> b -> a' },
      { task: null, path: 'flow_spec.outputs.x', message: expect.any(String) },
    ]));

    const withCode = await developer.inOrg.post('/v1/drafts', { flow_name: 'etl', flow_spec: codeSpec() });
    const noArtifact = await developer.inOrg.post(`/v1/drafts/${withCode.body.draft_id}/validate`);
    expect(noArtifact.body).toEqual({ valid: false, errors: [{ task: null, path: 'artifact', message: 'required: flow_spec has code tasks' }] });
  });

  it('publishes a flow version: http tasks without an artifact, code tasks with an uploaded one', async () => {
    const httpDraft = await developer.inOrg.post('/v1/drafts', { flow_name: 'pinger', namespace: 'ops', tags: { team: 'sre' }, flow_spec: httpSpec() });
    const { result: published, records } = await auditedBy(platform, owner.org_id, () =>
      developer.inOrg.post(`/v1/drafts/${httpDraft.body.draft_id}/publish`, { flow_version: '1.0.0' }),
    );
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ flow_name: 'pinger', flow_version: '1.0.0', namespace: 'ops', tags: { team: 'sre' }, artifact_s3_uri: null, status: 'ACTIVE' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'flow', resource_id: 'pinger@1.0.0', action: 'create' });
    const again = await developer.inOrg.post(`/v1/drafts/${httpDraft.body.draft_id}/publish`, { flow_version: '1.0.0' });
    expect(again.status).toBe(200);
    expect((await developer.inOrg.get('/v1/flows/pinger/versions/1.0.0')).body.code_hash).toBe(published.body.code_hash);

    const upload = await developer.inOrg.post('/v1/artifacts/upload-url');
    const codeDraft = await developer.inOrg.post('/v1/drafts', { flow_name: 'coded', flow_spec: codeSpec(), artifact: { upload_key: upload.body.upload_key } });
    expect(codeDraft.status).toBe(201);
    const beforeUpload = await developer.inOrg.post(`/v1/drafts/${codeDraft.body.draft_id}/validate`);
    expect(beforeUpload.body.errors).toEqual([{ task: null, path: 'artifact.upload_key', message: expect.stringContaining('nothing was uploaded') }]);
    expect((await developer.inOrg.post(`/v1/drafts/${codeDraft.body.draft_id}/publish`, { flow_version: '1.0.0' })).status).toBe(400);

    // Only one of the two modules: validate names the task whose module is missing.
    await fetch(upload.body.url, { method: 'PUT', body: zipOf({ 'tasks/extract.js': TASK_CODE['tasks/extract.js'] }) });
    const partial = await developer.inOrg.post(`/v1/drafts/${codeDraft.body.draft_id}/validate`);
    expect(partial.body.errors).toEqual([{ task: 'transform', path: 'flow_spec.tasks[1].handler', message: "module 'tasks/transform.js' is not in the artifact" }]);

    await fetch(upload.body.url, { method: 'PUT', body: zipOf(TASK_CODE) });
    expect((await developer.inOrg.post(`/v1/drafts/${codeDraft.body.draft_id}/validate`)).body).toEqual({ valid: true, errors: [] });
    const coded = await developer.inOrg.post(`/v1/drafts/${codeDraft.body.draft_id}/publish`, { flow_version: '0.1.0' }, { 'if-match': '"1"' });
    expect(coded.status).toBe(201);
    expect(coded.body.artifact_s3_uri).toMatch(/^s3:\/\/.+\/artifacts\/.+\/coded\/[0-9a-f]{64}\.zip$/);

    const invalid = await developer.inOrg.post('/v1/drafts', { flow_name: 'broken', flow_spec: { tasks: [] } });
    const refused = await developer.inOrg.post(`/v1/drafts/${invalid.body.draft_id}/publish`, { flow_version: '1.0.0' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe('flow_spec.tasks');
    const nameless = await developer.inOrg.post('/v1/drafts', { flow_spec: httpSpec() });
    expect((await developer.inOrg.post(`/v1/drafts/${nameless.body.draft_id}/publish`, { flow_version: '1.0.0' })).body.error.details[0].path).toBe('flow_name');
    expect((await developer.inOrg.post(`/v1/drafts/${httpDraft.body.draft_id}/publish`, { flow_version: 'bad version' })).status).toBe(400);
    expect((await viewer.inOrg.post(`/v1/drafts/${httpDraft.body.draft_id}/publish`, { flow_version: '2.0.0' })).status).toBe(403);
  });

  it("publishes a draft with the artifact of a registered version, copied to an upload key of the organization's own", async () => {
    const registered = await developer.inOrg.post('/v1/flows', codeRegistration('reused', '1.0.0'));
    expect(registered.status).toBe(201);
    const { result: copy, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/artifacts/copy', { flow_name: 'reused', flow_version: '1.0.0' }));
    expect(copy.status).toBe(201);
    expect(copy.body).toEqual({ upload_key: expect.stringMatching(new RegExp(`^uploads/${owner.org_id}/`)), flow_name: 'reused', flow_version: '1.0.0', bytes: zipOf(TASK_CODE).length });
    expect(records).toHaveLength(0);
    const draft = await developer.inOrg.post('/v1/drafts', { flow_name: 'reused', flow_spec: codeSpec(), artifact: { upload_key: copy.body.upload_key } });
    expect((await developer.inOrg.post(`/v1/drafts/${draft.body.draft_id}/validate`)).body).toEqual({ valid: true, errors: [] });
    const published = await developer.inOrg.post(`/v1/drafts/${draft.body.draft_id}/publish`, { flow_version: '1.0.1' });
    expect(published.status).toBe(201);
    // The same spec and the same bytes: the same code.
    expect(published.body.code_hash).toBe(registered.body.code_hash);

    expect((await developer.inOrg.post('/v1/flows', httpRegistration('plain', '1.0.0'))).status).toBe(201);
    const none = await developer.inOrg.post('/v1/artifacts/copy', { flow_name: 'plain', flow_version: '1.0.0' });
    expect(none.status).toBe(400);
    expect(none.body.error.details).toEqual([{ path: 'flow_version', message: expect.stringContaining('has no artifact') }]);
    const bad = await developer.inOrg.post('/v1/artifacts/copy', { flow_name: 'reused' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('flow_version');
    expect((await stranger.api.post('/v1/artifacts/copy', { flow_name: 'reused', flow_version: '1.0.0' })).status).toBe(404);
    expect((await viewer.inOrg.post('/v1/artifacts/copy', { flow_name: 'reused', flow_version: '1.0.0' })).status).toBe(403);
  });

  it('stores a ZIP sent inline as an upload a draft can name (the console uploads this way, same origin)', async () => {
    const zip = zipOf(TASK_CODE);
    const { result: upload, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.post('/v1/artifacts/uploads', { zip_base64: zip.toString('base64') }));
    expect(upload.status).toBe(201);
    expect(upload.body).toEqual({ upload_key: expect.stringMatching(new RegExp(`^uploads/${owner.org_id}/.+\\.zip$`)), bytes: zip.length });
    expect(records).toHaveLength(0);
    const draft = await developer.inOrg.post('/v1/drafts', { flow_name: 'inline-up', flow_spec: codeSpec(), artifact: { upload_key: upload.body.upload_key } });
    expect((await developer.inOrg.post(`/v1/drafts/${draft.body.draft_id}/validate`)).body).toEqual({ valid: true, errors: [] });
    expect((await developer.inOrg.post(`/v1/drafts/${draft.body.draft_id}/publish`, { flow_version: '1.0.0' })).status).toBe(201);

    const notZip = await developer.inOrg.post('/v1/artifacts/uploads', { zip_base64: Buffer.from('plain text').toString('base64') });
    expect(notZip.status).toBe(400);
    expect(notZip.body.error.details).toEqual([{ path: 'zip_base64', message: 'is not a ZIP archive' }]);
    const notBase64 = await developer.inOrg.post('/v1/artifacts/uploads', { zip_base64: '***' });
    expect(notBase64.body.error.details).toEqual([{ path: 'zip_base64', message: 'is not base64' }]);
    expect((await developer.inOrg.post('/v1/artifacts/uploads', {})).body.error.details[0].path).toBe('zip_base64');
    expect((await viewer.inOrg.post('/v1/artifacts/uploads', { zip_base64: zip.toString('base64') })).status).toBe(403);
  });

  it('refuses another org’s upload key, deletes with an optional version, lists newest first, hides drafts from other orgs', async () => {
    const theirs = await stranger.api.post('/v1/artifacts/upload-url');
    const foreign = await developer.inOrg.post('/v1/drafts', { flow_spec: codeSpec(), artifact: { upload_key: theirs.body.upload_key } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details[0].path).toBe('artifact.upload_key');

    const first = await developer.inOrg.post('/v1/drafts', { name: 'first' });
    const second = await developer.inOrg.post('/v1/drafts', { name: 'second' });
    const listed = await viewer.inOrg.get('/v1/drafts?limit=2');
    expect(listed.body.items.map((d: { name: string }) => d.name)).toEqual(['second', 'first']);
    expect(listed.body.items[0].flow_spec).toBeUndefined();
    expect(listed.body.next_cursor).not.toBeNull();

    expect((await stranger.api.get(`/v1/drafts/${first.body.draft_id}`)).status).toBe(404);
    expect((await stranger.api.delete(`/v1/drafts/${first.body.draft_id}`)).status).toBe(404);
    expect((await developer.inOrg.get('/v1/drafts/not-a-uuid')).status).toBe(400);

    expect((await developer.inOrg.delete(`/v1/drafts/${first.body.draft_id}`, { 'if-match': '"7"' })).status).toBe(412);
    const { result: deleted, records } = await auditedBy(platform, owner.org_id, () => developer.inOrg.delete(`/v1/drafts/${first.body.draft_id}`, { 'if-match': '"1"' }));
    expect(deleted.status).toBe(204);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ resource_type: 'draft', action: 'delete', after_json: null });
    expect((await developer.inOrg.delete(`/v1/drafts/${second.body.draft_id}`)).status).toBe(204);
    expect((await developer.inOrg.get(`/v1/drafts/${first.body.draft_id}`)).status).toBe(404);
  });
  it('keeps the builder layout beside the spec: saved, read back, validated, never published', async () => {
    const layout = { fetch: { x: 10, y: 20.5 }, load: { x: 260, y: -40 } };
    const created = await developer.inOrg.post('/v1/drafts', { name: 'laid out', flow_name: 'laid-out', flow_spec: httpSpec(), layout });
    expect(created.status).toBe(201);
    expect(created.body.layout).toEqual(layout);
    const id: string = created.body.draft_id;
    expect((await viewer.inOrg.get(`/v1/drafts/${id}`)).body.layout).toEqual(layout);

    const bad = await developer.inOrg.put(`/v1/drafts/${id}`, { flow_spec: httpSpec(), layout: { fetch: { x: 'left', y: 1 } }, version: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('layout.fetch.x');
    expect((await viewer.inOrg.get(`/v1/drafts/${id}`)).body).toMatchObject({ version: 1, layout });

    // A PUT replaces the whole content: without a layout the positions are gone.
    const moved = await developer.inOrg.put(`/v1/drafts/${id}`, { flow_name: 'laid-out', flow_spec: httpSpec(), version: 1 });
    expect(moved.body.layout).toEqual({});
    expect((await developer.inOrg.post(`/v1/drafts/${id}/validate`)).body.valid).toBe(true);
    const published = await developer.inOrg.post(`/v1/drafts/${id}/publish`, { flow_version: '1.0.0' });
    expect(published.status).toBe(201);
    expect(published.body.flow_spec).toEqual(httpSpec());
  });
});
