import { dirname, relative, sep } from 'node:path';
import { z } from 'zod';
import type { FlowSpec, JsonObject, NormalizedFlowSpec, TaskSpec } from '../lambdas/engine';
import { findCycles, validateFlowSpec } from '../lambdas/engine';
import type { AnyTask, FlowDefinition, OutputRef, TaskSettings, ZodLike } from './define';

/** A flow the SDK cannot compile; `problems` are one line each, naming the tasks concerned. */
export class FlowCompileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'FlowCompileError';
  }
}

/** One bundled module of the artifact: the tasks defined in one source file. */
export interface TaskModule {
  /** Path inside the artifact, e.g. `tasks/fetch.mjs`. */
  path: string;
  sourceFile: string;
  /** Task name → the export the bundle gives it. */
  exports: { task: string; exportName: string }[];
}

export interface CompiledSpec {
  flowName: string;
  flowVersion: string;
  namespace?: string;
  tags?: Record<string, string>;
  defaultExecutor?: 'lambda' | 'step-functions' | 'ecs';
  spec: FlowSpec;
  normalized: NormalizedFlowSpec;
  modules: TaskModule[];
  tasks: readonly AnyTask[];
}

function isZod(value: unknown): value is ZodLike {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** A zod schema as JSON Schema draft-07 (what the runs API validates parameters with). */
function parametersSchema(parameters: ZodLike | JsonObject): JsonObject {
  if (!isZod(parameters)) return parameters;
  const schema = z.toJSONSchema(parameters as unknown as z.ZodType, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as JsonObject;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** `tasks/fetch.ts` → `tasks/fetch.mjs`; outside the flow's folder the `..` become `_up`. */
function modulePath(flowDir: string, sourceFile: string): string {
  const rel = relative(flowDir, sourceFile).split(sep).map((part) => (part === '..' ? '_up' : part)).join('/');
  return rel.replace(/\.[cm]?[jt]sx?$/, '') + '.mjs';
}

function exportNameOf(taskName: string, taken: Set<string>): string {
  const base = `task_${taskName.replace(/[^A-Za-z0-9_$]/g, '_')}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function settingsFields(settings: TaskSettings): Omit<TaskSpec, 'name' | 'type' | 'handler' | 'request'> {
  const fields: Omit<TaskSpec, 'name' | 'type' | 'handler' | 'request'> = {};
  if (settings.executor !== undefined) fields.executor = settings.executor;
  if (settings.retries !== undefined) fields.retries = settings.retries;
  if (settings.retryDelaySeconds !== undefined) fields.retry_delay_seconds = settings.retryDelaySeconds;
  if (settings.retryBackoff !== undefined) fields.retry_backoff = settings.retryBackoff;
  if (settings.retryMaxDelaySeconds !== undefined) fields.retry_max_delay_seconds = settings.retryMaxDelaySeconds;
  if (settings.retryJitter !== undefined) fields.retry_jitter = settings.retryJitter;
  if (settings.timeoutSeconds !== undefined) fields.timeout_seconds = settings.timeoutSeconds;
  if (settings.triggerRule !== undefined) fields.trigger_rule = settings.triggerRule;
  if (settings.parameters !== undefined) fields.parameters = settings.parameters;
  if (settings.secrets !== undefined) fields.secrets = [...settings.secrets];
  return fields;
}

function outputRef(ref: OutputRef): { ref: string; task?: AnyTask } {
  if (typeof ref === 'string') return { ref };
  if (Array.isArray(ref)) {
    const [task, path] = ref as readonly [AnyTask, string];
    return { ref: path === '' ? task.name : `${task.name}.${path}`, task };
  }
  return { ref: (ref as AnyTask).name, task: ref as AnyTask };
}

/**
 * The FlowSpec of a flow definition, checked the way the platform checks it (lambdas/engine),
 * with problems worded in the SDK's terms: unknown upstreams and cycles name the tasks.
 */
export function compileFlowSpec(definition: FlowDefinition): CompiledSpec {
  const { options } = definition;
  const file = definition.sourceFile;
  const problems: string[] = [];
  const tasks = options.tasks;
  const byName = new Map<string, AnyTask>();
  for (const t of tasks) {
    if (byName.has(t.name)) problems.push(`two tasks are named '${t.name}'`);
    else byName.set(t.name, t);
  }

  const edges: { from: string; to: string }[] = [];
  for (const t of tasks) {
    for (const up of t.settings.after ?? []) {
      const name = typeof up === 'string' ? up : up.name;
      const known = byName.get(name);
      if (known === undefined || (typeof up !== 'string' && known !== up)) {
        problems.push(`task '${t.name}' runs after '${name}', which is not among the flow's tasks (add it to tasks)`);
        continue;
      }
      edges.push({ from: name, to: t.name });
    }
  }
  for (const cycle of findCycles(tasks.map((t) => t.name), edges)) {
    problems.push(`tasks form a cycle: ${cycle.path.join(' -> ')}`);
  }

  const flowDir = dirname(file);
  const modules = new Map<string, TaskModule & { taken: Set<string> }>();
  const specTasks: TaskSpec[] = tasks.map((t) => {
    if (t.kind === 'http') return { name: t.name, type: 'http', request: t.request, ...settingsFields(t.settings) };
    if (t.sourceFile === '') problems.push(`task '${t.name}': cannot tell which file defines it`);
    const path = modulePath(flowDir, t.sourceFile);
    let mod = modules.get(path);
    if (mod === undefined) {
      mod = { path, sourceFile: t.sourceFile, exports: [], taken: new Set() };
      modules.set(path, mod);
    }
    const exportName = exportNameOf(t.name, mod.taken);
    mod.exports.push({ task: t.name, exportName });
    return { name: t.name, type: 'code', handler: `${path}:${exportName}`, ...settingsFields(t.settings) };
  });

  const outputs: Record<string, string> = {};
  for (const [name, ref] of Object.entries(options.outputs ?? {})) {
    const out = outputRef(ref);
    if (out.task !== undefined && byName.get(out.task.name) !== out.task) {
      problems.push(`output '${name}' refers to task '${out.task.name}', which is not among the flow's tasks`);
    }
    outputs[name] = out.ref;
  }

  const spec: FlowSpec = {
    ...(options.parameters !== undefined ? { parameters: parametersSchema(options.parameters) } : {}),
    tasks: specTasks,
    ...(edges.length > 0 ? { edges } : {}),
    ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
  };
  if (problems.length > 0) throw new FlowCompileError(file, problems);

  const checked = validateFlowSpec(spec, { pathPrefix: '' });
  if (!checked.ok) {
    throw new FlowCompileError(
      file,
      checked.issues.map((issue) => {
        const index = /^tasks\[(\d+)\]/.exec(issue.path);
        const named = index === null ? '' : `task '${specTasks[Number(index[1])]?.name}' `;
        return `${named}${issue.path}: ${issue.message}`;
      }),
    );
  }
  return {
    flowName: options.name,
    flowVersion: options.version,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
    ...(options.defaultExecutor !== undefined ? { defaultExecutor: options.defaultExecutor } : {}),
    spec,
    normalized: checked.spec,
    modules: [...modules.values()].map(({ taken: _taken, ...mod }) => mod),
    tasks,
  };
}
