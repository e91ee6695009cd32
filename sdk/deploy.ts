import { unwrap, unwrapWithStatus, type DagyApi } from '../cli/api/client';
import { CliError } from '../cli/errors';
import { registrationOf, type BuiltFlow } from './compile';

/** Artifacts up to this size go inline in POST /v1/flows; larger ones through a presigned upload. */
export const INLINE_ARTIFACT_LIMIT = 4 * 1024 * 1024;

export interface DeployResult {
  /** created: a new version; unchanged: this version was already registered with this very code. */
  status: 'created' | 'unchanged';
  upload: 'inline' | 'presigned' | 'none';
  flow: { flow_name: string; flow_version: string; code_hash: string; namespace: string; created_at: string };
}

/**
 * Registers a built flow. The platform answers 201 for a new version, 200 when the version
 * exists with the same code_hash, and 409 naming the version when it exists with other code.
 */
export async function deployFlow(api: DagyApi, built: BuiltFlow, options: { inlineLimit?: number } = {}): Promise<DeployResult> {
  const body = registrationOf(built.compiled);
  let artifact: { zip_base64: string } | { upload_key: string } | undefined;
  let upload: DeployResult['upload'] = 'none';
  if (built.zip !== null) {
    if (built.zip.byteLength <= (options.inlineLimit ?? INLINE_ARTIFACT_LIMIT)) {
      artifact = { zip_base64: Buffer.from(built.zip).toString('base64') };
      upload = 'inline';
    } else {
      const target = await unwrap(api.POST('/v1/artifacts/upload-url'));
      if (built.zip.byteLength > target.max_bytes) {
        throw new CliError(`the artifact is ${built.zip.byteLength} bytes; the platform accepts at most ${target.max_bytes}`);
      }
      const put = await fetch(target.url, { method: 'PUT', body: built.zip });
      if (!put.ok) throw new CliError(`uploading the artifact failed: ${put.status} ${(await put.text()).slice(0, 200)}`);
      artifact = { upload_key: target.upload_key };
      upload = 'presigned';
    }
  }
  const { status, data } = await unwrapWithStatus(
    api.POST('/v1/flows', { body: { ...body, ...(artifact !== undefined ? { artifact } : {}) } }),
  );
  return {
    status: status === 201 ? 'created' : 'unchanged',
    upload,
    flow: { flow_name: data.flow_name, flow_version: data.flow_version, code_hash: data.code_hash, namespace: data.namespace, created_at: data.created_at },
  };
}
