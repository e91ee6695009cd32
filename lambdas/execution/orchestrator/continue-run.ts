import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { LoopOptions } from './loop-protocol';
import { loopOptions } from './loop-protocol';
import type { OrchestratorServices } from './orchestrator-services';
import type { RunExecutionInput } from './start';

export interface ContinueRequest {
  action: 'continue';
  org_id: string;
  run_id: string;
  segment: number;
  options: LoopOptions;
}

/** Name of a run's n-th continuing execution (the first one is named after the run id). */
export function continuationName(runId: string, segment: number): string {
  return segment === 0 ? runId : `${runId}-${segment}`;
}

/**
 * Continues a long step-functions run in a new execution of the same state machine before the
 * current one's history gets near Step Functions' 25,000-event limit. The run's state is in the
 * tables, so the new execution's Start takes it over where this one stopped (it becomes the run's
 * external_id). Idempotent: a retried call finds the execution already started.
 */
export async function continueRun(o: OrchestratorServices, request: ContinueRequest): Promise<{ execution_name: string }> {
  const segment = request.segment + 1;
  const name = continuationName(request.run_id, segment);
  const input: RunExecutionInput = { org_id: request.org_id, run_id: request.run_id, segment, options: loopOptions(request.options) };
  try {
    await o.sfn.send(new StartExecutionCommand({ stateMachineArn: o.stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
  return { execution_name: name };
}
