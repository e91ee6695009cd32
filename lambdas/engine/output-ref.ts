import { isPlainObject } from './json';

export type OutputRefParse =
  | { ok: true; task: string; path: string[] }
  | { ok: false; message: string };

/**
 * Parses a flow output reference: `task` or `task.field.path`. Task names may contain dots, so
 * the LONGEST prefix that names a task wins (with tasks `a` and `a.b`, `a.b.c` means field `c`
 * of task `a.b`).
 */
export function parseOutputRef(ref: string, isTask: (name: string) => boolean): OutputRefParse {
  for (let cut = ref.length; cut > 0; cut = ref.lastIndexOf('.', cut - 1)) {
    const task = ref.slice(0, cut);
    if (!isTask(task)) continue;
    if (cut === ref.length) return { ok: true, task, path: [] };
    const path = ref.slice(cut + 1).split('.');
    if (path.some((segment) => segment === '')) {
      return { ok: false, message: `empty field name in '${ref}'` };
    }
    return { ok: true, task, path };
  }
  return { ok: false, message: `'${ref}' does not start with a task name` };
}

/**
 * Follows a dotted path into a JSON value; numeric segments index arrays. Returns undefined
 * when the path leads nowhere.
 */
export function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Resolves a flow's `outputs` against the task outputs of a run. An output whose task has no
 * output (failed, skipped, not run) or whose path leads nowhere resolves to null, so the result
 * always has every declared output name.
 */
export function resolveOutputs(
  outputs: Readonly<Record<string, string>> | undefined,
  taskOutputs: Readonly<Record<string, unknown>>,
  taskNames?: Iterable<string>,
): Record<string, unknown> {
  // Without the spec's task names, a task with no output would be unresolvable by name; the
  // caller may pass them so that such refs still split at the right place.
  const names = new Set(taskNames ?? []);
  const isTask = (name: string) => names.has(name) || Object.hasOwn(taskOutputs, name);
  const entries = Object.entries(outputs ?? {}).map(([name, ref]): [string, unknown] => {
    const parsed = parseOutputRef(ref, isTask);
    if (!parsed.ok || !Object.hasOwn(taskOutputs, parsed.task)) return [name, null];
    return [name, getPath(taskOutputs[parsed.task], parsed.path) ?? null];
  });
  return Object.fromEntries(entries);
}
