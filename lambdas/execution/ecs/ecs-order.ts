import type { JsonObject, NormalizedFlowSpec, NormalizedTaskSpec } from '../../engine';

/**
 * What crosses the trust boundary to and from an ECS runner container, which holds no credential:
 * the trusted side (the orchestrator) writes a work order and presigns a GET of it, a GET of the
 * artifact, a PUT for the result and a GET of the run's cancel marker; the container runs the
 * code and PUTs the result; the trusted side reads, checks, masks and records it.
 */

/** Presigned URLs handed to the container as environment overrides. */
export const ECS_ORDER_ENV = {
  orderUrl: 'DAGY_ORDER_URL',
  resultUrl: 'DAGY_RESULT_URL',
  cancelUrl: 'DAGY_CANCEL_URL',
} as const;

/** One task's code as the container runs it: what it receives besides the upstream outputs. */
export interface EcsTaskWork {
  /** The run's parameters merged over the task's. */
  parameters: JsonObject;
  /** Only the secrets the task declared. */
  secrets: Record<string, string>;
}

interface OrderBase {
  org_id: string;
  run_id: string;
  artifact: { code_hash: string; url: string } | null;
}

/** The whole run in one container (executor `ecs`). */
export interface EcsDagOrder extends OrderBase {
  mode: 'dag';
  spec: NormalizedFlowSpec;
  work: Record<string, EcsTaskWork>;
  /** Tasks that already SUCCEEDED (a retried run) with the outputs their downstreams need. */
  succeeded: Record<string, { attempt: number; output: unknown }>;
}

/** One attempt of one task of a step-functions run (task executor `ecs`). */
export interface EcsTaskOrder extends OrderBase {
  mode: 'task';
  task: NormalizedTaskSpec;
  attempt: number;
  work: EcsTaskWork;
  inputs: Record<string, unknown>;
  /** The advance loop's token, redeemed after the result is stored (wakes the loop at once). */
  loop: { token: string; iteration: number; heartbeat_seconds: number };
}

export type EcsOrder = EcsDagOrder | EcsTaskOrder;

/** One attempt as the container saw it: its log text and how it ended. */
export interface EcsAttemptRecord {
  attempt: number;
  started_at: string;
  log: string;
  /** null while it runs (a snapshot), else the outcome. */
  outcome: { ok: true; output: unknown } | { ok: false; error: string } | null;
}

export interface EcsTaskResult {
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  attempts: EcsAttemptRecord[];
  /** Why a task was SKIPPED, or failed without an attempt. */
  reason?: string;
}

/** What the container PUTs: after each task outcome (a snapshot) and when it ends (final). */
export interface EcsResult {
  final: boolean;
  tasks: Record<string, EcsTaskResult>;
  /** Why the container's run failed beyond what its tasks say. */
  error?: string;
}

/** Order slot names: the whole run, or one attempt of one task. */
export function dagSlot(): string {
  return 'dag';
}
export function taskSlot(taskName: string, attempt: number): string {
  return `task-${attempt}-${taskName}`;
}

const STATUSES = new Set(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED']);
/** Largest result object read back (outputs of up to 2,000 tasks are bounded by the output cap). */
export const MAX_RESULT_BYTES = 600 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a result written by the container (tenant-controlled): only the tasks of `taskNames`,
 * known statuses, attempts numbered 1..n. Anything else is dropped, never trusted.
 */
export function parseEcsResult(value: unknown, taskNames: readonly string[]): EcsResult {
  if (!isRecord(value) || !isRecord(value.tasks)) throw new Error('the ECS runner wrote a result that is not a result');
  const tasks: Record<string, EcsTaskResult> = {};
  for (const name of taskNames) {
    const entry = value.tasks[name];
    if (!isRecord(entry) || typeof entry.status !== 'string' || !STATUSES.has(entry.status) || !Array.isArray(entry.attempts)) continue;
    const attempts: EcsAttemptRecord[] = [];
    for (const [i, a] of entry.attempts.entries()) {
      if (!isRecord(a) || a.attempt !== i + 1 || typeof a.started_at !== 'string' || Number.isNaN(Date.parse(a.started_at))) break;
      const log = typeof a.log === 'string' ? a.log : '';
      const o = a.outcome;
      const outcome = isRecord(o) && o.ok === true ? { ok: true as const, output: o.output ?? null } : isRecord(o) && o.ok === false ? { ok: false as const, error: typeof o.error === 'string' ? o.error : 'failed' } : null;
      attempts.push({ attempt: i + 1, started_at: a.started_at, log, outcome });
    }
    tasks[name] = { status: entry.status as EcsTaskResult['status'], attempts, ...(typeof entry.reason === 'string' ? { reason: entry.reason } : {}) };
  }
  return { final: value.final === true, tasks, ...(typeof value.error === 'string' ? { error: value.error } : {}) };
}
