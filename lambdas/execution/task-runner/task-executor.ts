import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsonObject, NormalizedTaskSpec } from '../../engine';
import { findNonJson, parseHandler } from '../../engine';
import type { EgressPolicy } from '../../shared/egress';
import type { ArtifactCache, ArtifactRef } from './artifact-cache';
import { runHttpTask } from './http-task';
import { OUTPUT_TOO_LARGE, serializeOutput } from './run-object-store';
import type { SecretSource } from './secret-source';
import { runInSandbox } from './task-sandbox';

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

/**
 * Runs one attempt of a task wherever the runner is (a Lambda invocation or the ECS container):
 * code tasks in the sandbox with their declared secrets, http tasks with fetch; the output must
 * be JSON of at most 256 KB. Never rejects: every failure is an outcome with its reason.
 */
export class TaskExecutor {
  constructor(
    private readonly artifacts: ArtifactCache,
    private readonly secrets: SecretSource,
    private readonly egress: EgressPolicy,
  ) {}

  async run(request: AttemptRequest): Promise<AttemptOutcome> {
    let outcome: { ok: true; output: unknown; log: string } | { ok: false; error: string; log: string };
    try {
      outcome = await this.execute(request);
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error.message : String(error), log: '' };
    }
    if (!outcome.ok) return outcome;
    const problem = findNonJson(outcome.output);
    if (problem !== null) {
      const where = problem.path.length === 0 ? '' : ` at ${problem.path.join('.')}`;
      return { ok: false, error: `task returned a value that is not JSON${where}: ${problem.message}`, log: outcome.log };
    }
    const json = serializeOutput(outcome.output);
    if (json === null) return { ok: false, error: OUTPUT_TOO_LARGE, log: outcome.log };
    return { ok: true, output: outcome.output, json, log: outcome.log };
  }

  private async execute(request: AttemptRequest) {
    const { task } = request;
    if (task.type === 'http') {
      // Declared secrets feed the request's {{ secrets.NAME }} templates.
      let secrets: Record<string, string>;
      try {
        secrets = await this.secrets.resolve(request.orgId, request.runId, task.secrets);
      } catch (error) {
        return { ok: false as const, error: `secrets: ${error instanceof Error ? error.message : String(error)}`, log: '' };
      }
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
    const directory = await this.artifacts.directory(request.artifact);
    const modulePath = ref.module.replace(/^(?:\.\/)+/, '');
    const file = join(directory, ...modulePath.split('/'));
    if (!file.startsWith(directory + sep) || !existsSync(file)) {
      return { ok: false as const, error: `module ${modulePath} not found in the flow artifact`, log: '' };
    }
    let secrets: Record<string, string>;
    try {
      secrets = await this.secrets.resolve(request.orgId, request.runId, task.secrets);
    } catch (error) {
      return { ok: false as const, error: `secrets: ${error instanceof Error ? error.message : String(error)}`, log: '' };
    }
    // Workers are reused only within one organization and one version of the code.
    return runInSandbox(`${request.orgId}:${request.artifact.code_hash}`, {
      moduleUrl: pathToFileURL(file).href,
      modulePath,
      exportName: ref.exportName,
      args: {
        parameters: request.parameters,
        inputs: request.inputs,
        secrets,
        context: { run_id: request.runId, task_name: task.name, attempt: request.attempt },
      },
      timeoutMs: request.timeoutMs,
      timeoutMessage: request.timeoutMessage,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }
}
