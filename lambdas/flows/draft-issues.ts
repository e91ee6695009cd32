import type { ValidationIssue } from '../engine';

/** A validation problem of a draft, tied to the node (task) of the graph it concerns when there is one. */
export interface DraftIssue {
  task: string | null;
  path: string;
  message: string;
}

interface SpecShape {
  tasks?: unknown;
  edges?: unknown;
}

const TASK_PATH = /^flow_spec\.tasks\[(\d+)\]/;
const EDGE_PATH = /^flow_spec\.edges\[(\d+)\](?:\.(from|to))?/;

function nameAt(list: unknown, index: number, field: string): string | null {
  if (!Array.isArray(list)) return null;
  const entry: unknown = list[index];
  if (typeof entry !== 'object' || entry === null) return null;
  const value = (entry as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : null;
}

/**
 * Maps engine issues to tasks: `tasks[i]…` is task i; `edges[i].from|to` is the task that end
 * names, or the edge's other end when that one is not a task (an edge to 'ghost' is drawn from a
 * real node); a whole-edge issue (self-edge, duplicate, closing a cycle) is its `from` task.
 * Issues of the spec as a whole (outputs, parameters) have no task.
 */
export function issuesByTask(spec: unknown, issues: ValidationIssue[]): DraftIssue[] {
  const shape: SpecShape = typeof spec === 'object' && spec !== null ? (spec as SpecShape) : {};
  const taskNames = new Set<string>();
  if (Array.isArray(shape.tasks)) shape.tasks.forEach((_, i) => {
    const name = nameAt(shape.tasks, i, 'name');
    if (name !== null) taskNames.add(name);
  });
  return issues.map((issue) => {
    let task: string | null = null;
    const t = TASK_PATH.exec(issue.path);
    const e = EDGE_PATH.exec(issue.path);
    if (t !== null) task = nameAt(shape.tasks, Number(t[1]), 'name');
    else if (e !== null) {
      const index = Number(e[1]);
      const ends = e[2] === 'to' ? ['to', 'from'] : ['from', 'to'];
      task = ends.map((end) => nameAt(shape.edges, index, end)).find((n) => n !== null && taskNames.has(n)) ?? null;
    }
    return { task, path: issue.path, message: issue.message };
  });
}
