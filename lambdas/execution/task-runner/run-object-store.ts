import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isOrgObjectKey, logKey, outputKey } from '../run-objects';

/** Largest task output stored (bytes of its JSON). */
export const MAX_OUTPUT_BYTES = 256 * 1024;
export const OUTPUT_TOO_LARGE = 'output exceeds 256 KB';

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

/** JSON text of an output, or null when it is over the size limit. */
export function serializeOutput(output: unknown): string | null {
  const text = JSON.stringify(output ?? null);
  return Buffer.byteLength(text) > MAX_OUTPUT_BYTES ? null : text;
}

/**
 * The objects a run's tasks leave in the artifacts bucket (keys from run-objects.ts): each task's
 * output (output.json) and log (logs.txt, one section per attempt).
 */
export class RunObjectStore {
  /**
   * Outputs of SUCCEEDED task runs this container recorded (org#key → JSON text), so that the
   * next task of a chain, dispatched to the same container, reads its input without a GET. Only
   * outputs whose SUCCEEDED transition won are kept: a task run never leaves SUCCEEDED, so no
   * later attempt rewrites the object (an attempt that lost may have, which is why a mere put is
   * not kept). Bounded by bytes.
   */
  private readonly recorded = new Map<string, string>();
  private recordedBytes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly maxRecordedBytes = 8 * 1024 * 1024,
  ) {}

  /** Keeps the output of a task run whose SUCCEEDED transition (with this output_ref) won. */
  rememberOutput(orgId: string, outputRef: string, json: string): void {
    if (!isOrgObjectKey(orgId, outputRef) || json.length > this.maxRecordedBytes / 8) return;
    const key = `${orgId}#${outputRef}`;
    const previous = this.recorded.get(key);
    if (previous !== undefined) this.recordedBytes -= previous.length;
    this.recorded.delete(key);
    this.recorded.set(key, json);
    this.recordedBytes += json.length;
    while (this.recordedBytes > this.maxRecordedBytes) {
      const [oldest, text] = this.recorded.entries().next().value as [string, string];
      this.recorded.delete(oldest);
      this.recordedBytes -= text.length;
    }
  }

  /** Stores a task's output (JSON text from serializeOutput); returns its key, the output_ref. */
  async putOutput(orgId: string, runId: string, taskName: string, json: string): Promise<string> {
    const key = outputKey(orgId, runId, taskName);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: json, ContentType: 'application/json' }));
    return key;
  }

  /** A stored output by its output_ref; refuses a key outside the organization's run objects. */
  async getOutput(orgId: string, outputRef: string): Promise<unknown> {
    if (!isOrgObjectKey(orgId, outputRef)) throw new Error(`output_ref ${outputRef} does not belong to the organization`);
    const text = this.recorded.get(`${orgId}#${outputRef}`) ?? (await this.getText(outputRef));
    if (text === null) throw new Error(`output ${outputRef} is missing`);
    return JSON.parse(text) as unknown;
  }

  /** Appends one attempt's section to the task's log. */
  async appendLog(orgId: string, runId: string, taskName: string, section: string): Promise<void> {
    const key = logKey(orgId, runId, taskName);
    const existing = (await this.getText(key)) ?? '';
    await this.putLog(key, existing + section);
  }

  /** Replaces the task's log (a runner that holds every attempt's text in memory). */
  async writeLog(orgId: string, runId: string, taskName: string, text: string): Promise<void> {
    await this.putLog(logKey(orgId, runId, taskName), text);
  }

  private async putLog(key: string, text: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'text/plain; charset=utf-8' }));
  }

  private async getText(key: string): Promise<string | null> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToString('utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

/** The header line of one attempt's section in logs.txt. */
export function logSection(attempt: number, startedAtIso: string, body: string, outcome: string): string {
  const text = body.endsWith('\n') || body === '' ? body : `${body}\n`;
  return `--- attempt ${attempt} started ${startedAtIso} ---\n${text}--- attempt ${attempt}: ${outcome} ---\n`;
}
