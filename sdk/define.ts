import { fileURLToPath } from 'node:url';
import type { HttpMethod, JsonObject, JsonValue, TaskExecutor, TriggerRule } from '../lambdas/engine';

// The authoring half of the SDK: task(), httpTask() and flow() only build descriptions. They run
// in three places: when the CLI loads a flow file (to compile it), inside `dagy flows test`, and
// inside each bundled task module at run time, where only `fn` matters. So nothing here does I/O.

/** What `context` holds for a task's code (see docs/task-code.md). */
export interface TaskContext {
  run_id: string;
  task_name: string;
  attempt: number;
  /** Appends a line to this attempt's log (console.log does the same). */
  log: (...values: unknown[]) => void;
}

/** The one argument a task's function receives. */
export interface TaskArgs<Inputs> {
  /** The run's parameters merged over the task's own `parameters` option. */
  parameters: Record<string, JsonValue>;
  /** Each succeeded upstream task's name → its return value. */
  inputs: Inputs;
  /** The secrets named in the task's `secrets` option, by name. */
  secrets: Record<string, string>;
  context: TaskContext;
}

/** Settings shared by code and HTTP tasks; each maps to the FlowSpec field in its comment. */
export interface TaskSettings<After extends readonly Upstream[] = readonly Upstream[]> {
  /** Tasks (or task names) that must settle first: FlowSpec `edges`. */
  after?: After;
  /** `retries`: extra attempts after a failure, 0-10 (default 0). */
  retries?: number;
  /** `retry_delay_seconds`: wait before the first retry, 0-3600 (default 1). */
  retryDelaySeconds?: number;
  /** `retry_backoff`: multiplier of the wait per further retry, 1-10 (default 1). */
  retryBackoff?: number;
  /** `retry_max_delay_seconds`: cap of the wait, 0-86400 (default 3600). */
  retryMaxDelaySeconds?: number;
  /** `retry_jitter`: randomize each wait (default false). */
  retryJitter?: boolean;
  /** `timeout_seconds`: per attempt, 1-86400 (default 300). */
  timeoutSeconds?: number;
  /** `executor`: where the task runs under the step-functions run executor (default lambda). */
  executor?: TaskExecutor;
  /** `trigger_rule` (default all_success). */
  triggerRule?: TriggerRule;
  /** `secrets`: names of the secrets the task receives. */
  secrets?: readonly string[];
  /** `parameters`: the task's own parameters (run parameters of the same name win). */
  parameters?: JsonObject;
}

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: JsonValue;
}

/** What an HTTP task outputs. */
export interface HttpTaskOutput {
  status: number;
  body: unknown;
}

interface TaskBase<Name extends string> {
  readonly name: Name;
  readonly settings: TaskSettings;
  /** Absolute path of the module that called task(): the bundle this task's code goes into. */
  readonly sourceFile: string;
}

export interface CodeTask<Name extends string = string, Output = unknown> extends TaskBase<Name> {
  readonly kind: 'code';
  readonly fn: (args: TaskArgs<never>) => unknown;
  /** Type-only: the task's output, for downstream `inputs`. Never set. */
  readonly __output?: Output;
}

export interface HttpTask<Name extends string = string> extends TaskBase<Name> {
  readonly kind: 'http';
  readonly request: HttpRequest;
  readonly __output?: HttpTaskOutput;
}

export type AnyTask = CodeTask<string, unknown> | HttpTask<string>;
/** An upstream: a task object (typed input) or a task's name (input typed unknown). */
export type Upstream = AnyTask | string;

type OutputOf<T> = T extends { readonly __output?: infer O } ? O : unknown;
type UpstreamName<U> = U extends { readonly name: infer N extends string } ? N : U extends string ? U : never;
type UpstreamOutput<U> = U extends AnyTask ? OutputOf<U> : unknown;

/** `inputs` of a task from its `after` list: upstream name → that task's return type. */
export type InputsOf<After extends readonly Upstream[]> = {
  [U in After[number] as UpstreamName<U>]: UpstreamOutput<U>;
};

export type TaskFn<After extends readonly Upstream[], Output> = (args: TaskArgs<InputsOf<After>>) => Output | Promise<Output>;

/** Every task(), by name, in this module instance: the bundled entry looks its task up here. */
const registry = new Map<string, AnyTask>();

/** The task registered under `name` in this process (used by the bundled task modules). */
export function registeredTask(name: string): AnyTask {
  const found = registry.get(name);
  if (found === undefined) throw new Error(`task '${name}' was not defined when its module loaded`);
  return found;
}

/** Declares a code task. `fn` gets `{ parameters, inputs, secrets, context }` and returns JSON. */
export function task<const Name extends string, Output>(name: Name, fn: TaskFn<[], Output>): CodeTask<Name, Awaited<Output>>;
export function task<const Name extends string, const After extends readonly Upstream[] = [], Output = unknown>(
  name: Name,
  settings: TaskSettings<After>,
  fn: TaskFn<After, Output>,
): CodeTask<Name, Awaited<Output>>;
export function task(name: string, a: TaskSettings | TaskFn<[], unknown>, b?: TaskFn<readonly Upstream[], unknown>): AnyTask {
  const settings = typeof a === 'function' ? {} : a;
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new TypeError(`task '${name}': the last argument must be the task's function`);
  const defined: CodeTask = { kind: 'code', name, settings, fn: fn as (args: TaskArgs<never>) => unknown, sourceFile: callerFile() };
  registry.set(name, defined);
  return defined;
}

/** Declares an HTTP task: the platform makes the request; the output is `{ status, body }`. */
export function httpTask<const Name extends string, const After extends readonly Upstream[] = []>(
  name: Name,
  settings: TaskSettings<After> & { request: HttpRequest },
): HttpTask<Name> {
  const { request, ...rest } = settings;
  const defined: HttpTask<Name> = { kind: 'http', name, settings: rest, request, sourceFile: callerFile() };
  registry.set(name, defined);
  return defined;
}

/** A flow output: a task (its whole output), or `[task, 'field.path']`, or the FlowSpec string form. */
export type OutputRef = AnyTask | readonly [AnyTask, string] | string;

/** Anything with zod 4's schema shape; converted with z.toJSONSchema. */
export interface ZodLike {
  readonly _zod: unknown;
}

export interface FlowOptions {
  /** The flow's name (`flow_name`). */
  name: string;
  /** The version to register (`flow_version`); a version is immutable once registered. */
  version: string;
  namespace?: string;
  tags?: Record<string, string>;
  /** The run executor used when a run names none: lambda, step-functions or ecs. */
  defaultExecutor?: 'lambda' | 'step-functions' | 'ecs';
  /** The run parameters: a zod schema or a JSON Schema object. */
  parameters?: ZodLike | JsonObject;
  tasks: readonly AnyTask[];
  outputs?: Record<string, OutputRef>;
}

export interface FlowDefinition {
  readonly kind: 'flow';
  readonly options: FlowOptions;
  /** Absolute path of the module that called flow(): handler paths are relative to its folder. */
  readonly sourceFile: string;
}

/** Declares a flow. compileFlowSpec (dagy/sdk) turns it into the FlowSpec. */
export function flow(options: FlowOptions): FlowDefinition {
  return { kind: 'flow', options, sourceFile: callerFile() };
}

export function isFlowDefinition(value: unknown): value is FlowDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'flow' && 'options' in value;
}

/** Absolute files of the current stack's frames, innermost first (tsx gives file:// URLs, jest paths). */
export function stackFiles(): string[] {
  const files: string[] = [];
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line.trim());
    if (match !== null) files.push(match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!);
  }
  return files;
}

/** The file of the first stack frame outside the SDK: where task()/flow() was called. */
function callerFile(): string {
  return stackFiles().find((file) => !/\/sdk\/(?:define|index)\.ts$/.test(file)) ?? '';
}
