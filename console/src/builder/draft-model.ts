import type { DraftIssue, EdgeSpec, FlowSpec, TaskSpec } from '../api/types';

// Pure edits of a draft's spec, so the builder's rules (unique names, no duplicate edges,
// renames carried into edges and positions) are testable without a browser.

export function asFlowSpec(value: Record<string, unknown>): FlowSpec {
  const tasks = Array.isArray(value.tasks) ? (value.tasks as TaskSpec[]) : [];
  const edges = Array.isArray(value.edges) ? (value.edges as EdgeSpec[]) : [];
  return { ...(value as Partial<FlowSpec>), tasks, edges };
}

export function newTaskName(spec: FlowSpec): string {
  const names = new Set(spec.tasks.map((t) => t.name));
  for (let i = spec.tasks.length + 1; ; i++) if (!names.has(`task_${i}`)) return `task_${i}`;
}

export function addTask(spec: FlowSpec, task: TaskSpec): FlowSpec {
  return { ...spec, tasks: [...spec.tasks, task] };
}

export function updateTask(spec: FlowSpec, name: string, next: TaskSpec): FlowSpec {
  const tasks = spec.tasks.map((t) => (t.name === name ? next : t));
  const edges = next.name === name ? spec.edges : (spec.edges ?? []).map((e) => ({ from: e.from === name ? next.name : e.from, to: e.to === name ? next.name : e.to }));
  return { ...spec, tasks, edges };
}

export function removeTask(spec: FlowSpec, name: string): FlowSpec {
  return { ...spec, tasks: spec.tasks.filter((t) => t.name !== name), edges: (spec.edges ?? []).filter((e) => e.from !== name && e.to !== name) };
}

export function connect(spec: FlowSpec, from: string, to: string): FlowSpec {
  const edges = spec.edges ?? [];
  if (edges.some((e) => e.from === from && e.to === to)) return spec;
  return { ...spec, edges: [...edges, { from, to }] };
}

export function disconnect(spec: FlowSpec, from: string, to: string): FlowSpec {
  return { ...spec, edges: (spec.edges ?? []).filter((e) => !(e.from === from && e.to === to)) };
}

/** Issues by the edge they concern (`flow_spec.edges[i]…`), keyed `from->to`. */
export function edgeIssues(spec: FlowSpec, issues: DraftIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const m = /^flow_spec\.edges\[(\d+)\]/.exec(issue.path);
    const edge = m ? spec.edges?.[Number(m[1])] : undefined;
    if (edge === undefined) continue;
    const key = `${edge.from}->${edge.to}`;
    out.set(key, [...(out.get(key) ?? []), issue.message]);
  }
  return out;
}

/** A short message for a task's issue: the field path inside the task and the message. */
export function taskIssueText(issue: DraftIssue): string {
  const field = issue.path.replace(/^flow_spec\.(tasks|edges)\[\d+\]\.?/, '');
  return field === '' ? issue.message : `${field}: ${issue.message}`;
}
