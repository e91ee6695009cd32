import type { JsonObject, JsonValue } from './json';

// The FlowSpec is a public contract (POST /v1/flows, stored as flow_spec_json): snake_case fields,
// names and defaults exactly as documented in docs/flow-spec.md (docs/architecture.md "Public contracts").

export const TASK_TYPES = ['code', 'http'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Where a single task runs when the run's executor is `step-functions`. */
export const TASK_EXECUTORS = ['lambda', 'ecs'] as const;
export type TaskExecutor = (typeof TASK_EXECUTORS)[number];

export const TRIGGER_RULES = ['all_success', 'all_done', 'one_success', 'one_failed', 'none_failed'] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const TASK_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_TASKS = 2000;

/** Inclusive bounds of the numeric task settings. */
export const TASK_LIMITS = {
  retries: { min: 0, max: 10 },
  retry_delay_seconds: { min: 0, max: 3600 },
  retry_backoff: { min: 1, max: 10 },
  retry_max_delay_seconds: { min: 0, max: 86400 },
  timeout_seconds: { min: 1, max: 86400 },
} as const;

/**
 * Defaults filled in by validation. retry_delay_seconds defaults to 1 (not 0) so that a task
 * with retries does not hammer a failing dependency back to back.
 */
export const TASK_DEFAULTS = {
  executor: 'lambda',
  retries: 0,
  retry_delay_seconds: 1,
  retry_backoff: 1,
  retry_max_delay_seconds: 3600,
  retry_jitter: false,
  timeout_seconds: 300,
  trigger_rule: 'all_success',
} as const satisfies Partial<NormalizedTaskFields>;

export interface HttpRequestSpec {
  method: HttpMethod;
  /** Absolute http:// or https:// URL. */
  url: string;
  headers?: Record<string, string>;
  body?: JsonValue;
}

/** A task as users write it: everything but name, type and handler/request is optional. */
export interface TaskSpec {
  name: string;
  type: TaskType;
  /** `path/module.js:exportName` inside the flow's artifact; required for code tasks. */
  handler?: string;
  /** Required for http tasks. */
  request?: HttpRequestSpec;
  executor?: TaskExecutor;
  retries?: number;
  retry_delay_seconds?: number;
  retry_backoff?: number;
  retry_max_delay_seconds?: number;
  retry_jitter?: boolean;
  timeout_seconds?: number;
  trigger_rule?: TriggerRule;
  parameters?: JsonObject;
  secrets?: string[];
}

export interface EdgeSpec {
  from: string;
  to: string;
}

/** A flow as users write it (the `flow_spec` field of POST /v1/flows). */
export interface FlowSpec {
  /** JSON Schema for the run parameters (checked by whoever starts runs, not by the engine). */
  parameters?: JsonObject;
  tasks: TaskSpec[];
  edges?: EdgeSpec[];
  /** Output name -> `task` or `task.field.path`. */
  outputs?: Record<string, string>;
}

interface NormalizedTaskFields {
  name: string;
  executor: TaskExecutor;
  retries: number;
  retry_delay_seconds: number;
  retry_backoff: number;
  retry_max_delay_seconds: number;
  retry_jitter: boolean;
  timeout_seconds: number;
  trigger_rule: TriggerRule;
  parameters: JsonObject;
  secrets: string[];
}

export interface NormalizedCodeTaskSpec extends NormalizedTaskFields {
  type: 'code';
  handler: string;
}

export interface NormalizedHttpTaskSpec extends NormalizedTaskFields {
  type: 'http';
  request: HttpRequestSpec & { headers: Record<string, string> };
}

/** A validated task with every default filled in. */
export type NormalizedTaskSpec = NormalizedCodeTaskSpec | NormalizedHttpTaskSpec;

/**
 * A validated flow: unique task names, edges between known tasks, no cycle, defaults filled in.
 * Treat it as immutable: the engine caches its graph by object identity.
 */
export interface NormalizedFlowSpec {
  parameters?: JsonObject;
  tasks: NormalizedTaskSpec[];
  edges: EdgeSpec[];
  outputs: Record<string, string>;
}
