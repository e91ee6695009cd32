import type { JsonObject, NormalizedTaskSpec } from '../../engine';
import type { TaskRunRecord } from '../task-run-repository';
import type { ArtifactRef } from './artifact-unpack';

/** Upstream outputs sent with an attempt's event (inline_inputs) at most, in all; the rest are read by ref. */
export const INLINE_INPUTS_MAX_BYTES = 64 * 1024;

/** The run fields a task runner needs for events (a RunRecord fits). */
export interface RunRef {
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
}

/**
 * One attempt of one task of a step-functions run: what the Advance step sends to the task runner
 * (Lambda event invocation) and, rebuilt from the tables, what the ECS runner runs. Everything the
 * attempt needs travels with it, so the runner reads no Run or Flow item.
 */
export interface RunTaskEvent {
  action: 'run-task';
  org_id: string;
  run_id: string;
  task_name: string;
  /** The attempt being run (1 for the first); the TaskRun is at this attempt, RUNNING (see `starts`). */
  attempt: number;
  /**
   * The runner starts the attempt itself: the TaskRun is PENDING at `attempt - 1`, and the runner's
   * one conditional write both starts and claims it (TaskRunRepository.startClaimedDetailed). The
   * loop sends this when it dispatches a Lambda attempt as the only task it leaves running
   * (dispatchAll in orchestrator/advance.ts). Absent: the loop started it, and the runner claims it.
   */
  starts?: true;
  executor: 'lambda' | 'ecs';
  task: NormalizedTaskSpec;
  artifact: ArtifactRef;
  run: RunRef;
  /** The run's parameters merged over the task's; null when too large to send (read the Run). */
  parameters: JsonObject | null;
  /** Each SUCCEEDED upstream's name -> its output_ref. */
  inputs: Record<string, string>;
  /**
   * Upstream outputs held inline in their TaskRun items (name -> JSON text), up to
   * INLINE_INPUTS_MAX_BYTES in all, so the runner reads none of them; any other input is read by
   * its output_ref.
   */
  inline_inputs?: Record<string, string>;
  /**
   * The advance-loop token the task was dispatched under, to redeem on completion; `sole` when it
   * was the only task the loop left running (its direct wake then tells the loop so).
   */
  loop: { token: string; iteration: number; heartbeat_seconds: number; sole?: boolean };
  /**
   * The chain that follows this attempt when it succeeds (orchestrator/chain-plan.ts): each step's
   * task is its upstream's only downstream and waits for nothing else, so this attempt's runner
   * runs it next, its start written with the upstream's success (attempt-chain.ts), instead of
   * waking the loop.
   */
  then?: ChainStep[];
}

/**
 * A step of a chain (RunTaskEvent.then): everything its attempt's event holds but what its
 * upstream's success adds (that output, by ref and inline) and what the chain shares (run,
 * artifact, loop token).
 */
export interface ChainStep {
  /** The task run as the loop saw it: PENDING, its attempt the guard of the start. */
  before: TaskRunRecord;
  task: NormalizedTaskSpec;
  /** As RunTaskEvent.parameters (null: read the Run). */
  parameters: JsonObject | null;
  /** The task's other SUCCEEDED upstreams' outputs, as RunTaskEvent.inputs and inline_inputs. */
  inputs: Record<string, string>;
  inline_inputs?: Record<string, string>;
}

/**
 * Several attempts of one step-functions run that its loop started together, in one invocation
 * (task-batch.ts): each as `run-task` carries it, with the task run as the loop's start left it
 * (`started`: RUNNING at the attempt), from which the batch's claims, made together, are derived.
 */
export interface RunTaskBatchEvent {
  action: 'run-tasks';
  org_id: string;
  run_id: string;
  tasks: Array<RunTaskEvent & { started: TaskRunRecord }>;
}

/** A whole run inside one invocation (executor `lambda`) or one container (executor `ecs`). */
export interface RunDagEvent {
  action: 'run-dag';
  org_id: string;
  run_id: string;
}

export type TaskRunnerEvent = RunTaskEvent | RunTaskBatchEvent | RunDagEvent;

/** What a whole-DAG run reports to the state machine (Finalize settles the run from the tables). */
export interface RunDagOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'NOT_RUN';
  /** Why the run must fail although its tasks say otherwise (e.g. the Lambda time cap). */
  error?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an incoming event's shape enough to dispatch it safely. */
export function parseTaskRunnerEvent(event: unknown): TaskRunnerEvent {
  if (!isObject(event) || typeof event.org_id !== 'string' || typeof event.run_id !== 'string') {
    throw new Error('task runner: event needs org_id and run_id');
  }
  if (event.action === 'run-dag') return { action: 'run-dag', org_id: event.org_id, run_id: event.run_id };
  if (event.action === 'run-task') {
    if (!isRunTask(event)) throw new Error('task runner: malformed run-task event');
    return event;
  }
  if (event.action === 'run-tasks') {
    const { org_id, run_id, tasks } = event;
    const wellFormed = (t: unknown) => {
      const started = isObject(t) ? t.started : undefined;
      return (
        isRunTask(t) &&
        t.org_id === org_id &&
        t.run_id === run_id &&
        t.starts === undefined &&
        isObject(started) &&
        started.task_name === t.task_name &&
        started.attempt === t.attempt &&
        started.status === 'RUNNING'
      );
    };
    if (!Array.isArray(tasks) || tasks.length === 0 || !tasks.every(wellFormed)) throw new Error('task runner: malformed run-tasks event');
    return event as unknown as RunTaskBatchEvent;
  }
  throw new Error(`task runner: unknown action ${JSON.stringify(event.action)}`);
}

function isRunTask(event: unknown): event is RunTaskEvent {
  if (!isObject(event) || typeof event.org_id !== 'string' || typeof event.run_id !== 'string') return false;
  const loop = event.loop;
  return (
    event.action === 'run-task' &&
    typeof event.task_name === 'string' &&
    typeof event.attempt === 'number' &&
    isObject(event.task) &&
    isObject(event.artifact) &&
    isObject(event.run) &&
    isObject(event.inputs) &&
    isObject(loop) &&
    typeof loop.token === 'string' &&
    (event.starts === undefined || event.starts === true) &&
    (event.then === undefined || (Array.isArray(event.then) && event.then.every(isChainStep)))
  );
}

function isChainStep(step: unknown): step is ChainStep {
  if (!isObject(step) || !isObject(step.before) || !isObject(step.task)) return false;
  return (
    step.before.status === 'PENDING' &&
    typeof step.before.attempt === 'number' &&
    step.before.task_name === step.task.name &&
    step.task.executor === 'lambda' &&
    (step.parameters === null || isObject(step.parameters)) &&
    isObject(step.inputs) &&
    (step.inline_inputs === undefined || isObject(step.inline_inputs))
  );
}
