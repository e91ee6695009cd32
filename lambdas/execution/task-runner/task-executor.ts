import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { JsonObject, NormalizedTaskSpec } from '../../engine';
import { findNonJson, parseHandler } from '../../engine';
import type { EgressPolicy } from '../../shared/egress';
import type { CodeAttemptRequest } from '../code-executor/contract';
import { ArtifactError, parseS3Uri, type ArtifactRef } from './artifact-unpack';
import type { CodeExecutorClient } from './code-executor-client';
import { runHttpTask } from './http-task';
import { OUTPUT_TOO_LARGE, serializeOutput } from './run-object-store';
import type { SecretSource } from './secret-source';
import { SecretMasker } from './secret-mask';

export interface AttemptRequest {
  orgId: string;
  runId: string;
  task: NormalizedTaskSpec;
  artifact: ArtifactRef;
  attempt: number;
  /** The run's parameters merged over the task's (engine taskParameters). */
  parameters: JsonObject;
  /** Each SUCCEEDED upstream's name -> its output. */
  inputs: Record<string, unknown>;
  /** How long the attempt may take (the task's timeout, or less when the host has less time). */
  timeoutMs: number;
  /** The failure when it takes longer, e.g. "timed out after 30s". */
  timeoutMessage: string;
  signal?: AbortSignal;
}

/** One attempt's result: the output (and its JSON, ready to store) or why it failed; its log text. */
export type AttemptOutcome = { ok: true; output: unknown; json: string; log: string } | { ok: false; error: string; log: string };

export function timeoutMessage(seconds: number): string {
  return `timed out after ${seconds}s`;
}

/** How long a presigned artifact GET stays valid; reused for most of that time. */
const ARTIFACT_URL_TTL_SECONDS = 900;
const ARTIFACT_URL_REUSE_MS = 600_000;

/** Short-lived presigned GETs of flow artifacts, one per code version, reused while fresh. */
export class ArtifactLinks {
  private readonly cache = new Map<string, { url: string; until: number }>();

  constructor(
    private readonly s3: S3Client,
    /** The artifacts bucket: an artifact elsewhere is refused. */
    private readonly bucket: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async url(ref: ArtifactRef): Promise<string> {
    if (ref.artifact_s3_uri === null) throw new ArtifactError('the flow has no artifact (it has no code tasks)');
    const cached = this.cache.get(ref.code_hash);
    if (cached !== undefined && cached.until > this.nowMs()) return cached.url;
    const { bucket, key } = parseS3Uri(ref.artifact_s3_uri);
    if (bucket !== this.bucket) throw new ArtifactError(`artifact ${ref.artifact_s3_uri} is not in the artifacts bucket`);
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ARTIFACT_URL_TTL_SECONDS });
    this.cache.set(ref.code_hash, { url, until: this.nowMs() + ARTIFACT_URL_REUSE_MS });
    return url;
  }
}

/** What an executor answered, before the trusted side checked and masked it. */
export type RawOutcome = { ok: true; output: unknown; log: string } | { ok: false; error: string; log: string };

/**
 * The trusted side's check of an attempt's result (tenant-controlled data): every declared secret
 * value masked in the log, the error and the output; the output JSON of at most 256 KB.
 */
export function checkOutcome(outcome: RawOutcome, masker: SecretMasker): AttemptOutcome {
  const log = masker.text(outcome.log);
  if (!outcome.ok) return { ok: false, error: masker.text(outcome.error), log };
  const problem = findNonJson(outcome.output);
  if (problem !== null) {
    const where = problem.path.length === 0 ? '' : ` at ${problem.path.join('.')}`;
    return { ok: false, error: `task returned a value that is not JSON${where}: ${problem.message}`, log };
  }
  const output = masker.json(outcome.output);
  const json = serializeOutput(output);
  if (json === null) return { ok: false, error: OUTPUT_TOO_LARGE, log };
  return { ok: true, output, json, log };
}

/**
 * Runs one attempt of a task for the trusted runner (a Lambda invocation or the local platform):
 * code tasks go to the code executor (which holds no credential) with the artifact's presigned URL,
 * the parameters, the inputs and only the secrets the task declared; http tasks are made here,
 * through the egress guard. Whatever comes back is tenant-controlled: every declared secret value
 * is masked in the log, the error and the output before anyone stores or shows them, and the output
 * must be JSON of at most 256 KB. Never rejects: every failure is an outcome with its reason.
 */
export class TaskExecutor {
  constructor(
    private readonly links: ArtifactLinks,
    private readonly secrets: SecretSource,
    private readonly code: CodeExecutorClient,
    private readonly egress: EgressPolicy,
  ) {}

  async run(request: AttemptRequest): Promise<AttemptOutcome> {
    let secrets: Record<string, string>;
    try {
      secrets = await this.secrets.resolve(request.orgId, request.runId, request.task.secrets);
    } catch (error) {
      return { ok: false, error: `secrets: ${error instanceof Error ? error.message : String(error)}`, log: '' };
    }
    const masker = new SecretMasker(secrets);
    let outcome: RawOutcome;
    try {
      outcome = await this.execute(request, secrets);
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error.message : String(error), log: '' };
    }
    return checkOutcome(outcome, masker);
  }

  private async execute(request: AttemptRequest, secrets: Record<string, string>) {
    const { task } = request;
    if (task.type === 'http') {
      // Declared secrets feed the request's {{ secrets.NAME }} templates.
      return runHttpTask(task, {
        timeoutMs: request.timeoutMs,
        timeoutMessage: request.timeoutMessage,
        ...(request.signal ? { signal: request.signal } : {}),
        secrets,
        parameters: request.parameters,
        egress: this.egress,
      });
    }
    const ref = parseHandler(task.handler);
    if (ref === null) return { ok: false as const, error: `invalid handler ${JSON.stringify(task.handler)}`, log: '' };
    const codeRequest: CodeAttemptRequest = {
      kind: 'code-attempt',
      artifact: { code_hash: request.artifact.code_hash, url: await this.links.url(request.artifact) },
      module: ref.module,
      export: ref.exportName,
      args: {
        parameters: request.parameters,
        inputs: request.inputs,
        secrets,
        context: { run_id: request.runId, task_name: task.name, attempt: request.attempt },
      },
      timeout_ms: request.timeoutMs,
      timeout_message: request.timeoutMessage,
    };
    return this.code.run(request.orgId, codeRequest, request.signal);
  }
}
