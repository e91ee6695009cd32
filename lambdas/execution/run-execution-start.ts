import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { errorText } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { isRetryable } from './orchestrator/errors';
import type { RunEventPublisher } from './run-events';
import type { RunExecutor, RunRecord, RunRepository } from './run-repository';

/** Input of the run state machine's execution. */
export interface RunExecutionInput {
  org_id: string;
  run_id: string;
  executor: RunExecutor;
}

/** The executionArn Step Functions gives an execution named `name` of the state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export interface ExecutionStartDeps {
  runs: RunRepository;
  events: RunEventPublisher;
  sfn: SFNClient;
  stateMachineArn: string;
  logger: Logger;
}

/**
 * Starts the run's execution (named after the run, so a repeated start is a no-op) and stores its
 * ARN; on a passing failure the run stays QUEUED (the run reconciler starts it), on any other it
 * goes FAILED with the reason. Used by the run starter and by the run
 * queue when it gives a waiting run its slot.
 */
export async function startRunExecution(deps: ExecutionStartDeps, run: RunRecord): Promise<RunRecord> {
  const { runs, logger } = deps;
  const input: RunExecutionInput = { org_id: run.org_id, run_id: run.run_id, executor: run.executor };
  let executionArn: string;
  try {
    const out = await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: run.run_id, input: JSON.stringify(input) }));
    executionArn = out.executionArn ?? executionArnOf(deps.stateMachineArn, run.run_id);
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      // Started by an earlier attempt of this start (the execution name is the run id).
      executionArn = executionArnOf(deps.stateMachineArn, run.run_id);
    } else if (isRetryable(error)) {
      // Step Functions unavailable or throttling past the SDK's own retries: the run stays QUEUED
      // without an execution (holding its slot, if it took one), and the run reconciler starts it
      // once it has waited its threshold. Failing it would end a run for a passing fault.
      logger.warn('StartExecution failed for now: the run stays QUEUED for the reconciler', { org_id: run.org_id, run_id: run.run_id, error: errorText(error) });
      return run;
    } else {
      const reason = `could not start the run's execution: ${error instanceof Error ? error.message : String(error)}`;
      logger.error('StartExecution failed', { org_id: run.org_id, run_id: run.run_id, error: reason });
      const failed = await runs.transitionRunDetailed(run.org_id, run.run_id, ['QUEUED'], 'FAILED', { error_message: reason });
      if (failed.won) {
        await deps.events.runStatusChanged(failed.run);
        return failed.run;
      }
      return failed.current ?? run;
    }
  }
  // Stored once (the execution's Start step may have stored the same ARN already).
  const stored = await runs.updateRunDetailed(run.org_id, run.run_id, { external_id: executionArn }, { fields: { external_id: null } });
  return stored.won ? stored.run : (stored.current ?? { ...run, external_id: executionArn });
}
