import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';

/** Largest artifact accepted through an upload (inline ones are capped lower by the request size). */
export const MAX_UPLOADED_ARTIFACT_BYTES = 50 * 1024 * 1024;
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;

const UPLOAD_KEY = /^uploads\/([^/]+)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.zip$/;

/** Whether a client-supplied upload key is one this organization was given (org-scoped prefix). */
export function isOwnUploadKey(orgId: string, key: string): boolean {
  const m = UPLOAD_KEY.exec(key);
  return m !== null && m[1] === orgId;
}

export type UploadRead = { kind: 'ok'; bytes: Buffer } | { kind: 'missing' } | { kind: 'too_large'; size: number };

/** The artifacts bucket: presigned uploads under uploads/<org_id>/, content-addressed artifacts. */
export class ArtifactStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  newUploadKey(orgId: string): string {
    return `uploads/${orgId}/${randomUUID()}.zip`;
  }

  presignUpload(key: string): Promise<string> {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: UPLOAD_URL_TTL_SECONDS });
  }

  async readUpload(key: string): Promise<UploadRead> {
    let size: number;
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      size = head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return { kind: 'missing' };
      throw error;
    }
    if (size > MAX_UPLOADED_ARTIFACT_BYTES) return { kind: 'too_large', size };
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    if (bytes.length > MAX_UPLOADED_ARTIFACT_BYTES) return { kind: 'too_large', size: bytes.length };
    return { kind: 'ok', bytes };
  }

  putUpload(key: string, bytes: Uint8Array): Promise<unknown> {
    return this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: 'application/zip' }));
  }

  /**
   * Copies a stored artifact (an s3:// URI that putArtifact returned for this organization) to an
   * upload key, so a draft can name it as if it had been uploaded; answers its size in bytes.
   */
  async copyToUpload(orgId: string, artifactUri: string, uploadKey: string): Promise<number> {
    const prefix = `s3://${this.bucket}/`;
    const source = artifactUri.startsWith(prefix) ? artifactUri.slice(prefix.length) : null;
    // The URI comes from the organization's own Flow item; checked anyway so no other key is ever read.
    if (source === null || !source.startsWith(`artifacts/${orgId}/`)) throw new Error(`not an artifact of organization ${orgId}: ${artifactUri}`);
    await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: uploadKey, CopySource: `${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}` }));
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: uploadKey }));
    return head.ContentLength ?? 0;
  }

  /**
   * Stores an artifact under a key derived from its code_hash, so a retry or a re-registration
   * writes the same bytes to the same key. Returns its s3:// URI.
   */
  async putArtifact(orgId: string, flowName: string, codeHash: string, bytes: Uint8Array): Promise<string> {
    const key = `artifacts/${orgId}/${flowName}/${codeHash}.zip`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: 'application/zip' }));
    return `s3://${this.bucket}/${key}`;
  }
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NotFound' || error.name === 'NoSuchKey' || status === 404;
}
