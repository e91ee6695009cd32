import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../local/step-functions/definition';
import type { LocalExecutionInfo } from '../../local/step-functions/local-step-functions';

/** Step Functions' history limit per execution (a standard workflow fails past it). */
export const HISTORY_EVENT_CAP = 25_000;

/**
 * History events a standard workflow writes per state entered, by state type and resource:
 * a Task writes Entered, Scheduled, Started, Succeeded, Exited (5); a `.waitForTaskToken` or `.sync`
 * Task also Submitted (6); Choice, Pass, Wait and Succeed write Entered and Exited (2); Fail
 * writes Entered (1, the execution's end is counted apart). A retried Task attempt would add
 * Failed + Scheduled + Started; the bench's runs do not retry.
 */
function eventsPerEntry(state: { Type: string; Resource?: string }): number {
  if (state.Type === 'Task') return state.Resource?.endsWith('.waitForTaskToken') || state.Resource?.endsWith('.sync') ? 6 : 5;
  if (state.Type === 'Fail') return 1;
  return 2;
}

let statesOfMachine: Record<string, { Type: string; Resource?: string }> | undefined;

/**
 * The history events an execution of the run state machine used in AWS, modelled from the states
 * the local runner entered (ExecutionStarted and the end event included).
 */
export function historyEvents(info: LocalExecutionInfo): number {
  statesOfMachine ??= (JSON.parse(readFileSync(join(projectRoot(), 'lambdas/execution/run-state-machine.asl.json'), 'utf8')) as { States: Record<string, { Type: string; Resource?: string }> }).States;
  let events = 2;
  for (const [name, count] of Object.entries(info.stateCounts)) events += count * eventsPerEntry(statesOfMachine[name] ?? { Type: 'Pass' });
  return events;
}
