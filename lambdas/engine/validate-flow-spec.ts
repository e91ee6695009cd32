import type { core } from 'zod';
import type { EdgeSpec, NormalizedFlowSpec, NormalizedTaskSpec } from './flow-spec';
import { TASK_DEFAULTS } from './flow-spec';
import { flowSpecSchema } from './flow-spec-schema';
import type { FlowSpecSchemaOutput } from './flow-spec-schema';
import { findCycles } from './find-cycles';
import { formatIssuePath } from './issue-path';
import type { ValidationIssue } from './issue-path';
import { isPlainObject } from './json';
import { parseOutputRef } from './output-ref';

export type FlowSpecValidation =
  | { ok: true; spec: NormalizedFlowSpec }
  | { ok: false; issues: ValidationIssue[] };

export interface ValidateOptions {
  /** Prefix of every issue path; default `flow_spec` (use '' for bare paths). */
  pathPrefix?: string;
}

/** Thrown by parseFlowSpec; carries the same issues validateFlowSpec returns. */
export class FlowSpecError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid flow spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'FlowSpecError';
  }
}

type Path = (string | number)[];

/**
 * Validates a FlowSpec (typically parsed JSON from a request or from flow_spec_json) and
 * returns it normalized with defaults filled in, or every issue found. Structural issues
 * (types, formats, ranges, unknown fields) are reported first; the graph checks (names, edges,
 * cycles, outputs) only run on a structurally valid spec.
 */
export function validateFlowSpec(input: unknown, options: ValidateOptions = {}): FlowSpecValidation {
  const prefix = options.pathPrefix ?? 'flow_spec';
  const issues: ValidationIssue[] = [];
  const add = (path: Path, message: string) => issues.push({ path: formatIssuePath(prefix, path), message });

  // Zod silently drops `__proto__` keys from records; report them instead of losing data.
  findReservedKeys(input, [], add);
  const parsed = flowSpecSchema.safeParse(input, { error: describeZodIssue });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) addZodIssue(issue, add);
    return { ok: false, issues };
  }
  if (issues.length > 0) return { ok: false, issues };

  const spec = parsed.data;
  const taskIndex = checkTasks(spec, add);
  const edges = checkEdges(spec.edges ?? [], taskIndex, add);
  for (const cycle of findCycles(spec.tasks.map((t) => t.name), edges.valid)) {
    add(['edges', edges.index[cycle.closingEdge]!], `cycle: ${cycle.path.join(' -> ')}`);
  }
  for (const [name, ref] of Object.entries(spec.outputs ?? {})) {
    if (name === '') add(['outputs', name], 'output name must not be empty');
    const result = parseOutputRef(ref, (task) => taskIndex.has(task));
    if (!result.ok) add(['outputs', name], result.message);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: normalize(spec) };
}

/** Like validateFlowSpec but throws FlowSpecError; for code reading specs it already trusts. */
export function parseFlowSpec(input: unknown, options: ValidateOptions = {}): NormalizedFlowSpec {
  const result = validateFlowSpec(input, options);
  if (!result.ok) throw new FlowSpecError(result.issues);
  return result.spec;
}

function checkTasks(spec: FlowSpecSchemaOutput, add: (path: Path, message: string) => void): Map<string, number> {
  const index = new Map<string, number>();
  spec.tasks.forEach((task, i) => {
    const first = index.get(task.name);
    if (first !== undefined) add(['tasks', i, 'name'], `duplicate task name '${task.name}' (first at tasks[${first}])`);
    else index.set(task.name, i);
    if (task.name === '__proto__') add(['tasks', i, 'name'], "'__proto__' is a reserved name");

    if (task.type === 'code') {
      if (task.handler === undefined) add(['tasks', i, 'handler'], 'required for code tasks');
      if (task.request !== undefined) add(['tasks', i, 'request'], 'not allowed for code tasks');
    } else {
      if (task.request === undefined) add(['tasks', i, 'request'], 'required for http tasks');
      if (task.handler !== undefined) add(['tasks', i, 'handler'], 'not allowed for http tasks');
    }
    const seen = new Set<string>();
    (task.secrets ?? []).forEach((secret, k) => {
      if (seen.has(secret)) add(['tasks', i, 'secrets', k], `duplicate secret '${secret}'`);
      seen.add(secret);
    });
  });
  return index;
}

/** Reports bad edges; returns the good ones with their original indexes (for cycle paths). */
function checkEdges(
  edges: EdgeSpec[],
  tasks: Map<string, number>,
  add: (path: Path, message: string) => void,
): { valid: EdgeSpec[]; index: number[] } {
  const valid: EdgeSpec[] = [];
  const index: number[] = [];
  const seen = new Map<string, number>();
  edges.forEach((edge, i) => {
    const knownFrom = tasks.has(edge.from);
    const knownTo = tasks.has(edge.to);
    if (!knownFrom) add(['edges', i, 'from'], `unknown task '${edge.from}'`);
    if (!knownTo) add(['edges', i, 'to'], `unknown task '${edge.to}'`);
    if (!knownFrom || !knownTo) return;
    if (edge.from === edge.to) {
      add(['edges', i], `self-edge: '${edge.from}' -> '${edge.to}'`);
      return;
    }
    const key = JSON.stringify([edge.from, edge.to]);
    const first = seen.get(key);
    if (first !== undefined) {
      add(['edges', i], `duplicate edge '${edge.from}' -> '${edge.to}' (first at edges[${first}])`);
      return;
    }
    seen.set(key, i);
    valid.push(edge);
    index.push(i);
  });
  return { valid, index };
}

function normalize(spec: FlowSpecSchemaOutput): NormalizedFlowSpec {
  const tasks = spec.tasks.map((task): NormalizedTaskSpec => {
    const common = {
      name: task.name,
      executor: task.executor ?? TASK_DEFAULTS.executor,
      retries: task.retries ?? TASK_DEFAULTS.retries,
      retry_delay_seconds: task.retry_delay_seconds ?? TASK_DEFAULTS.retry_delay_seconds,
      retry_backoff: task.retry_backoff ?? TASK_DEFAULTS.retry_backoff,
      retry_max_delay_seconds: task.retry_max_delay_seconds ?? TASK_DEFAULTS.retry_max_delay_seconds,
      retry_jitter: task.retry_jitter ?? TASK_DEFAULTS.retry_jitter,
      timeout_seconds: task.timeout_seconds ?? TASK_DEFAULTS.timeout_seconds,
      trigger_rule: task.trigger_rule ?? TASK_DEFAULTS.trigger_rule,
      parameters: task.parameters ?? {},
      secrets: task.secrets ?? [],
    };
    // checkTasks guaranteed handler for code tasks and request for http tasks.
    if (task.type === 'code') return { ...common, type: 'code', handler: task.handler! };
    const request = task.request!;
    return {
      ...common,
      type: 'http',
      request: { ...request, headers: request.headers ?? {} },
    };
  });
  return {
    ...(spec.parameters !== undefined ? { parameters: spec.parameters } : {}),
    tasks,
    edges: (spec.edges ?? []).map((e) => ({ from: e.from, to: e.to })),
    outputs: spec.outputs ?? {},
  };
}

function findReservedKeys(value: unknown, path: Path, add: (path: Path, message: string) => void): void {
  if (Array.isArray(value)) value.forEach((item, i) => findReservedKeys(item, [...path, i], add));
  else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') add([...path, key], "'__proto__' is a reserved key");
      else findReservedKeys(value[key], [...path, key], add);
    }
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Per-parse zod error map: short messages in the API's voice. */
function describeZodIssue(issue: core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return `must be ${expected}, not ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  return undefined;
}

function addZodIssue(issue: core.$ZodIssue, add: (path: Path, message: string) => void): void {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) add([...path, key], 'unknown field');
    return;
  }
  add(path, issue.message);
}
