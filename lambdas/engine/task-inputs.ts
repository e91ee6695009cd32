import type { NormalizedFlowSpec, NormalizedTaskSpec } from './flow-spec';
import { graphOf } from './graph';
import type { JsonObject } from './json';
import type { TaskStatus } from './states';

/**
 * The parameters a task's code receives: the run's parameters merged over the task's own
 * (shallow: a run parameter replaces the task parameter of the same name).
 */
export function taskParameters(
  runParameters: Readonly<JsonObject> | undefined,
  task: Pick<NormalizedTaskSpec, 'parameters'>,
): JsonObject {
  return { ...task.parameters, ...runParameters };
}

/** What a task's code receives as `inputs`: each SUCCEEDED upstream's name -> its output. */
export function taskInputs(
  spec: NormalizedFlowSpec,
  task: string,
  taskStates: Readonly<Record<string, { status: TaskStatus; output?: unknown } | undefined>>,
): Record<string, unknown> {
  const upstreams = graphOf(spec).upstreams.get(task);
  if (!upstreams) throw new Error(`unknown task '${task}'`);
  const entries: [string, unknown][] = [];
  for (const up of upstreams) {
    const state = Object.hasOwn(taskStates, up) ? taskStates[up] : undefined;
    if (state?.status === 'SUCCEEDED') entries.push([up, state.output ?? null]);
  }
  return Object.fromEntries(entries);
}
