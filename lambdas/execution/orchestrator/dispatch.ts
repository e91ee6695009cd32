import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { NormalizedTaskSpec } from '../../engine';
import { retryDelaySeconds, shouldRetry, taskParameters } from '../../engine';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import type { ArtifactRef } from '../task-runner/artifact-unpack';
import { RUNNER_ENV } from '../task-runner/ecs-contract';
import { INLINE_INPUTS_MAX_BYTES, type ChainStep, type RunTaskBatchEvent, type RunTaskEvent } from '../task-runner/runner-events';
import type { OrchestratorServices } from './orchestrator-services';
import { prepareTaskOrder } from '../ecs/ecs-orchestration';
import { terminalPrice } from '../run-cost';

/** Lambda accepts event invocations up to 256 KB: beyond this the runner reads the parameters. */
const MAX_EVENT_BYTES = 240 * 1024;
export { INLINE_INPUTS_MAX_BYTES } from '../task-runner/runner-events';

export interface LoopToken {
  token: string;
  iteration: number;
  heartbeat_seconds: number;
  /** The attempt is the only one the iteration leaves running. */
  sole?: boolean;
}

/**
 * The refs of a task's SUCCEEDED upstreams (inputs), and the outputs held inline in their TaskRun
 * items up to INLINE_INPUTS_MAX_BYTES (inline_inputs): the runner then reads none of those.
 */
export function taskInputs(upstreams: Iterable<string>, byName: ReadonlyMap<string, TaskRunRecord>): { inputs: Record<string, string>; inline_inputs: Record<string, string> } {
  const inputs: Record<string, string> = {};
  const inline: Record<string, string> = {};
  let inlineBytes = 0;
  for (const upstream of upstreams) {
    const up = byName.get(upstream);
    if (up?.status !== 'SUCCEEDED' || up.output_ref === null) continue;
    inputs[upstream] = up.output_ref;
    if (up.output_json === null) continue;
    const bytes = Buffer.byteLength(up.output_json);
    if (inlineBytes + bytes > INLINE_INPUTS_MAX_BYTES) continue;
    inline[upstream] = up.output_json;
    inlineBytes += bytes;
  }
  return { inputs, inline_inputs: inline };
}

/** The event an attempt's runner receives (its chain, inline inputs, then parameters, left out when they would not fit). */
export function runTaskEvent(
  run: RunRecord,
  task: NormalizedTaskSpec,
  attempt: number,
  artifact: ArtifactRef,
  inputs: Record<string, string>,
  loop: LoopToken,
  inlineInputs: Record<string, string> = {},
  then: ChainStep[] = [],
): RunTaskEvent {
  const event: RunTaskEvent = {
    action: 'run-task',
    org_id: run.org_id,
    run_id: run.run_id,
    task_name: task.name,
    attempt,
    executor: task.executor,
    task,
    artifact,
    run: { flow_name: run.flow_name, flow_version: run.flow_version, deployment_name: run.deployment_name },
    parameters: taskParameters(run.parameters, task),
    inputs,
    ...(Object.keys(inlineInputs).length > 0 ? { inline_inputs: inlineInputs } : {}),
    loop,
    ...(then.length > 0 ? { then } : {}),
  };
  if (Buffer.byteLength(JSON.stringify(event)) <= MAX_EVENT_BYTES) return event;
  // What the runner can do without goes first: the chain (the loop then starts each step), the
  // inline inputs (read by ref), the parameters (read from the Run).
  if (then.length > 0) return runTaskEvent(run, task, attempt, artifact, inputs, loop, inlineInputs);
  const { inline_inputs: _dropped, ...byRef } = event;
  return Buffer.byteLength(JSON.stringify(byRef)) <= MAX_EVENT_BYTES ? byRef : { ...byRef, parameters: null };
}

/**
 * Starts the attempt's runner: an event invocation of the task runner, or an ECS task whose
 * environment holds only presigned URLs (its work order, its result, the cancel marker).
 */
export async function launchAttempt(o: OrchestratorServices, run: RunRecord, event: RunTaskEvent): Promise<void> {
  if (event.executor === 'ecs') {
    const t = o.ecsTarget;
    const env: Record<string, string> = {
      [RUNNER_ENV.runnerUrl]: await o.runnerUrl(),
      ...(await prepareTaskOrder(o, run, event)),
    };
    const out = await o.ecs.send(
      new RunTaskCommand({
        cluster: t.cluster,
        taskDefinition: t.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        startedBy: 'dagy',
        networkConfiguration: { awsvpcConfiguration: { subnets: t.subnets, securityGroups: [t.securityGroup], assignPublicIp: 'ENABLED' } },
        overrides: { containerOverrides: [{ name: t.containerName, environment: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      }),
    );
    const failure = out.failures?.[0];
    if (failure !== undefined || (out.tasks ?? []).length === 0) {
      throw new Error(`ECS RunTask failed: ${failure?.reason ?? 'no task started'}${failure?.detail ? ` (${failure.detail})` : ''}`);
    }
    return;
  }
  const out = await o.lambda.send(
    new InvokeCommand({ FunctionName: o.taskRunnerFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }),
  );
  if (out.StatusCode !== undefined && out.StatusCode !== 202) throw new Error(`task runner invocation answered ${out.StatusCode}`);
}

/** Most attempts one task-runner invocation runs together (task-batch.ts). */
export const RUNNER_BATCH_MAX = 8;

/**
 * The Lambda attempts an iteration started, grouped for their runners: up to RUNNER_BATCH_MAX per
 * invocation and within the event size Lambda takes (an attempt too large to share goes alone).
 */
export function runnerBatches<E extends RunTaskEvent>(events: readonly E[]): E[][] {
  const batches: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (current.length > 0 && (current.length >= RUNNER_BATCH_MAX || bytes + size > MAX_EVENT_BYTES - BATCH_ENVELOPE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
/** Room kept in a batch's event for its envelope (action, ids, separators). */
const BATCH_ENVELOPE_BYTES = 1024;

/** Starts one task-runner invocation for several attempts of a run (a run-tasks event). */
export async function launchAttempts(o: OrchestratorServices, run: RunRecord, events: Array<RunTaskEvent & { started: TaskRunRecord }>): Promise<void> {
  const batch: RunTaskBatchEvent = { action: 'run-tasks', org_id: run.org_id, run_id: run.run_id, tasks: events };
  const out = await o.lambda.send(new InvokeCommand({ FunctionName: o.taskRunnerFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(batch)) }));
  if (out.StatusCode !== undefined && out.StatusCode !== 202) throw new Error(`task runner invocation answered ${out.StatusCode}`);
}

/**
 * Ends an attempt that produced no result (its runner could not be started, or stopped answering):
 * back to PENDING for a retry when the task has retries left, else FAILED. Conditional on the
 * attempt, so a result that does arrive meanwhile wins.
 */
export function failAttempt(o: OrchestratorServices, run: RunRecord, task: NormalizedTaskSpec, taskRun: TaskRunRecord, error: string): Promise<TaskRunTransition> {
  const attempt = taskRun.attempt;
  if (shouldRetry(task, attempt)) {
    return o.taskRuns.scheduleRetryDetailed(run.org_id, run.run_id, task.name, {
      not_before: new Date(o.clock.nowMs() + retryDelaySeconds(task, attempt) * 1000).toISOString(),
      error_message: error,
      attempt,
    });
  }
  return o.taskRuns.failDetailed(run.org_id, run.run_id, task.name, { error_message: error, attempt, ...terminalPrice(o.ledger, run.executor, taskRun) });
}
