import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isOrgObjectKey, logKey, outputKey, parseOutputKey } from '../run-objects';
import type { TaskRunRecord } from '../task-run-repository';

/** Largest task output stored (bytes of its JSON). */
export const MAX_OUTPUT_BYTES = 256 * 1024;
export const OUTPUT_TOO_LARGE = 'output exceeds 256 KB';
/**
 * Outputs and logs up to these sizes live in the TaskRun item, written by the same transition
 * that records the attempt: no object, no request of their own. Each object costs an S3 PUT (and
 * a GET per reader), more than the write units a few hundred bytes add to the item. The caps keep
 * an item small, so reading all of a run's task runs stays cheap; larger texts go to the bucket.
 */
export const INLINE_OUTPUT_MAX_BYTES = 1024;
export const INLINE_LOG_MAX_BYTES = 2048;

/** Reads a task run (for an output held inline in the item an output_ref names). */
export interface TaskRunReader {
  get(orgId: string, runId: string, taskName: string, options: { consistent?: boolean }): Promise<Pick<TaskRunRecord, 'output_json'> | null>;
}

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

  /**
   * Stores a task's output (JSON text from serializeOutput): kept for the TaskRun item when small
   * (output_json), else put under its key. output_ref is the key either way.
   */
  async storeOutput(orgId: string, runId: string, taskName: string, json: string): Promise<{ output_ref: string; output_json: string | null }> {
    const key = outputKey(orgId, runId, taskName);
    if (Buffer.byteLength(json) <= INLINE_OUTPUT_MAX_BYTES) return { output_ref: key, output_json: json };
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: json, ContentType: 'application/json' }));
    return { output_ref: key, output_json: null };
  }

  /**
   * Stores a task's whole log text (every attempt so far): kept for the TaskRun item when small,
   * else put as logs.txt and log_text null (the transition removes an earlier inline text).
   */
  async storeLog(orgId: string, runId: string, taskName: string, text: string): Promise<{ log_text: string | null }> {
    if (Buffer.byteLength(text) <= INLINE_LOG_MAX_BYTES) return { log_text: text };
    await this.putLog(logKey(orgId, runId, taskName), text);
    return { log_text: null };
  }

  /**
   * Replaces the task's logs.txt (the ECS replay: its log shows attempts still running, which no
   * transition records, so it always goes to the object).
   */
  async writeLog(orgId: string, runId: string, taskName: string, text: string): Promise<void> {
    await this.putLog(logKey(orgId, runId, taskName), text);
  }

  /** The log text stored so far for a task run: inline in its item, else its logs.txt ('' when none). */
  async logOf(orgId: string, runId: string, taskName: string, record: Pick<TaskRunRecord, 'log_text'> | null): Promise<string> {
    if (record?.log_text != null) return record.log_text;
    return (await this.getText(logKey(orgId, runId, taskName))) ?? '';
  }

  /** The output of a SUCCEEDED task run record: inline in it, else its object. */
  async outputOf(orgId: string, record: Pick<TaskRunRecord, 'output_ref' | 'output_json'>): Promise<unknown> {
    if (record.output_json !== null) return JSON.parse(record.output_json) as unknown;
    if (record.output_ref === null) return null;
    return this.getOutput(orgId, record.output_ref);
  }

  /**
   * An output by its output_ref alone: this container's memory, else the TaskRun item the key
   * names (inline output), else the object.
   */
  async outputByRef(orgId: string, outputRef: string, taskRuns: TaskRunReader): Promise<unknown> {
    if (!isOrgObjectKey(orgId, outputRef)) throw new Error(`output_ref ${outputRef} does not belong to the organization`);
    const remembered = this.recorded.get(`${orgId}#${outputRef}`);
    if (remembered !== undefined) return JSON.parse(remembered) as unknown;
    const named = parseOutputKey(outputRef);
    const record = named === null ? null : await taskRuns.get(orgId, named.runId, named.taskName, { consistent: true });
    if (record?.output_json != null) return JSON.parse(record.output_json) as unknown;
    return this.getOutput(orgId, outputRef);
  }

  /** A stored output by its output_ref; refuses a key outside the organization's run objects. */
  async getOutput(orgId: string, outputRef: string): Promise<unknown> {
    if (!isOrgObjectKey(orgId, outputRef)) throw new Error(`output_ref ${outputRef} does not belong to the organization`);
    const text = this.recorded.get(`${orgId}#${outputRef}`) ?? (await this.getText(outputRef));
    if (text === null) throw new Error(`output ${outputRef} is missing`);
    return JSON.parse(text) as unknown;
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
