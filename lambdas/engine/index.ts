// The DAG engine: pure TypeScript (no AWS SDK, no I/O), shared by every executor and the flows API.

export type { JsonObject, JsonValue } from './json';
export { findNonJson, isJsonValue } from './json';

export type {
  EdgeSpec,
  FlowSpec,
  HttpMethod,
  HttpRequestSpec,
  NormalizedCodeTaskSpec,
  NormalizedFlowSpec,
  NormalizedHttpTaskSpec,
  NormalizedTaskSpec,
  TaskExecutor,
  TaskSpec,
  TaskType,
  TriggerRule,
} from './flow-spec';
export {
  HTTP_METHODS,
  MAX_TASKS,
  SECRET_NAME_PATTERN,
  TASK_DEFAULTS,
  TASK_EXECUTORS,
  TASK_LIMITS,
  TASK_NAME_PATTERN,
  TASK_TYPES,
  TRIGGER_RULES,
} from './flow-spec';
export type { FlowSpecSchemaOutput } from './flow-spec-schema';
export { edgeSpecSchema, flowSpecSchema, httpRequestSchema, taskSpecSchema } from './flow-spec-schema';
export type { FlowSpecValidation, ValidateOptions } from './validate-flow-spec';
export { FlowSpecError, parseFlowSpec, validateFlowSpec } from './validate-flow-spec';
export type { ValidationIssue } from './issue-path';
export { formatIssuePath } from './issue-path';
export { canonicalJson } from './canonical-json';
export type { HandlerRef } from './handler-ref';
export { HANDLER_PATTERN, parseHandler } from './handler-ref';

export type { RunStatus, TaskStatus, TaskStatusMap, TaskStatusView } from './states';
export { isTerminalRunStatus, isTerminalTaskStatus, RUN_STATUSES, TASK_STATUSES } from './states';
export type { DagGraph } from './graph';
export { buildGraph, criticalPath, graphOf } from './graph';
export type { FoundCycle } from './find-cycles';
export { findCycles } from './find-cycles';
export type { TriggerDecision, UpstreamStatus } from './trigger-rules';
export { evaluateTriggerRule } from './trigger-rules';
export type { AdvanceResult, SkipDecision } from './advance';
export { advance } from './advance';
export { finalRunStatus } from './run-status';
export type { RetrySettings } from './retry-policy';
export { retryDelaySeconds, shouldRetry } from './retry-policy';
export type { OutputRefParse } from './output-ref';
export { getPath, parseOutputRef, resolveOutputs } from './output-ref';
export { taskInputs, taskParameters } from './task-inputs';

export type { Sleep } from './async-primitives';
export { realSleep } from './async-primitives';
export type {
  ExecuteContext,
  RunDagOptions,
  RunDagResult,
  TaskAttemptResult,
  TaskRunState,
  TaskUpdateEvent,
} from './runner-types';
export { CANCELLED_MESSAGE, runDagInProcess } from './in-process-runner';
