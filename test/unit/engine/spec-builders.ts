import type { FlowSpec, NormalizedFlowSpec, TaskSpec, TriggerRule } from '../../../lambdas/engine';
import { parseFlowSpec } from '../../../lambdas/engine';

/** A code task with a valid handler; extra fields override. */
export function codeTask(name: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return { name, type: 'code', handler: `tasks/${name}.js:run`, ...extra };
}

/** A normalized spec from task names (or tasks) and `from>to` edge strings. */
export function flow(
  tasks: (string | TaskSpec)[],
  edges: string[] = [],
  rest: Omit<FlowSpec, 'tasks' | 'edges'> = {},
): NormalizedFlowSpec {
  return parseFlowSpec({
    tasks: tasks.map((t) => (typeof t === 'string' ? codeTask(t) : t)),
    edges: edges.map((e) => {
      const [from, to] = e.split('>');
      return { from: from!, to: to! };
    }),
    ...rest,
  });
}

export function ruled(name: string, trigger_rule: TriggerRule, extra: Partial<TaskSpec> = {}): TaskSpec {
  return codeTask(name, { trigger_rule, ...extra });
}
