import type { JsonObject, NormalizedFlowSpec } from '../../engine';
import { evaluateTriggerRule, graphOf, isTerminalTaskStatus, taskParameters } from '../../engine';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord } from '../task-run-repository';
import type { ChainStep } from '../task-runner/runner-events';
import { taskInputs } from './dispatch';

/** Steps one attempt's event carries at most: the loop plans the rest when the chain hands back. */
export const CHAIN_MAX_STEPS = 100;
/** Bytes of steps one event carries at most (~120 steps of a chain; Lambda takes events up to 256 KB). */
export const CHAIN_MAX_BYTES = 96 * 1024;
/** A step's parameters travel with it up to this size; larger ones its runner reads from the Run. */
const CHAIN_PARAMETERS_MAX_BYTES = 8 * 1024;

/**
 * The chain that can follow an attempt of `first` without the loop (RunTaskEvent.then): while the
 * last task has exactly one downstream, whose other upstreams are already settled, whose trigger
 * rule holds once the last one succeeds (and not before: then the loop starts it), that is a
 * PENDING Lambda task not waiting for a retry, it is the next step. So a step's readiness depends
 * only on its upstream's success, and no other task waits for the chain's members: the runner that
 * ran the upstream starts the step in the same write as the success (attempt-chain.ts) and wakes
 * the loop only when the chain ends. The loop's view (`byName`) is the iteration's, after its
 * starts.
 */
export function planChain(spec: NormalizedFlowSpec, run: RunRecord, byName: ReadonlyMap<string, TaskRunRecord>, first: string): ChainStep[] {
  const graph = graphOf(spec);
  const steps: ChainStep[] = [];
  let bytes = 0;
  for (let last = first; steps.length < CHAIN_MAX_STEPS; ) {
    const downstreams = graph.downstreams.get(last) ?? [];
    if (downstreams.length !== 1) break;
    const name = downstreams[0]!;
    const task = graph.specs.get(name)!;
    const before = byName.get(name);
    if (task.executor !== 'lambda' || before?.status !== 'PENDING' || before.not_before !== null) break;
    const upstreams = graph.upstreams.get(name)!;
    const others = upstreams.filter((u) => u !== last).map((u) => ({ name: u, status: byName.get(u)?.status ?? 'PENDING' }));
    if (!others.every((u) => isTerminalTaskStatus(u.status))) break;
    const decide = (status: 'RUNNING' | 'SUCCEEDED') => evaluateTriggerRule(task.trigger_rule, [...others, { name: last, status }]).kind;
    if (decide('SUCCEEDED') !== 'ready' || decide('RUNNING') === 'ready') break;
    const inputs = taskInputs(upstreams.filter((u) => u !== last), byName);
    const parameters: JsonObject = taskParameters(run.parameters, task);
    const step: ChainStep = {
      before,
      task,
      parameters: Buffer.byteLength(JSON.stringify(parameters)) <= CHAIN_PARAMETERS_MAX_BYTES ? parameters : null,
      inputs: inputs.inputs,
      ...(Object.keys(inputs.inline_inputs).length > 0 ? { inline_inputs: inputs.inline_inputs } : {}),
    };
    bytes += Buffer.byteLength(JSON.stringify(step));
    if (bytes > CHAIN_MAX_BYTES) break;
    steps.push(step);
    last = name;
  }
  return steps;
}
