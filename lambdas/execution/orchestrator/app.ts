import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { createRuntime, type FunctionFactory } from '../../shared/runtime';
import type { RunDagOutcome } from '../task-runner/runner-events';
import { advanceRun, type AdvanceRequest } from './advance';
import { continueRun, type ContinueRequest } from './continue-run';
import { classifyError } from './errors';
import { collectDagResult, syncEcsObject } from '../ecs/ecs-orchestration';
import { finalizeRun } from './finalize';
import type { LoopSignal } from './loop-protocol';
import { orchestratorServices, type OrchestratorServices } from './orchestrator-services';
import { startRun, type StartRequest, type StartState } from './start';

/**
 * The run state machine's `Finalize` step: the whole state (`$`), which may carry the outcome of a
 * whole-DAG invocation (`dag.outcome`) or the error a state caught (`error`: {Error, Cause}).
 */
export interface FinalizeRequest {
  action: 'finalize';
  state: { org_id: string; run_id: string; dag?: { outcome?: RunDagOutcome }; error?: { Error?: string; Cause?: string } };
}

/** The run state machine's `CollectEcs` step: record what the whole-run ECS container reported. */
export interface CollectEcsRequest {
  action: 'collect-ecs';
  org_id: string;
  run_id: string;
}

export type OrchestratorEvent = StartRequest | AdvanceRequest | FinalizeRequest | ContinueRequest | CollectEcsRequest;
export type OrchestratorResult = StartState | LoopSignal | RunDagOutcome | { execution_name: string } | { status: string | null } | null;

const MAX_MESSAGE = 1000;

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * A caught error as a sentence. Lambda errors arrive as Cause = {"errorMessage", "errorType"}; an
 * ECS task that failed as the task's description (containers' exit codes, stoppedReason).
 */
export function describeCaughtError(error: { Error?: string; Cause?: string }): string {
  const name = error.Error ?? 'Error';
  const cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as Record<string, unknown>;
    if (typeof parsed.errorMessage === 'string') return clip(`${name}: ${parsed.errorMessage}`);
    const containers = Array.isArray(parsed.Containers) ? (parsed.Containers as Array<Record<string, unknown>>) : [];
    const exit = containers.find((c) => typeof c.ExitCode === 'number' && c.ExitCode !== 0);
    const stopped = typeof parsed.StoppedReason === 'string' ? parsed.StoppedReason : undefined;
    if (exit !== undefined || stopped !== undefined) {
      return clip(`the ECS runner failed${exit !== undefined ? ` (exit code ${String(exit.ExitCode)})` : ''}${stopped !== undefined ? `: ${stopped}` : ''}`);
    }
  } catch {
    // not JSON: use it as it is
  }
  return clip(cause === '' ? name : `${name}: ${cause}`);
}

/** S3 Object Created as EventBridge delivers it (rule `ecs-result-stored`). */
interface S3ObjectCreated {
  source: 'aws.s3';
  detail: { object: { key: string } };
}

function isS3ObjectCreated(event: unknown): event is S3ObjectCreated {
  const e = event as { source?: unknown; detail?: { object?: { key?: unknown } } };
  return e?.source === 'aws.s3' && typeof e.detail?.object?.key === 'string';
}

async function handle(o: OrchestratorServices, event: OrchestratorEvent | S3ObjectCreated): Promise<OrchestratorResult> {
  if (isS3ObjectCreated(event)) {
    await syncEcsObject(o, event.detail.object.key);
    return null;
  }
  switch (event.action) {
    case 'start':
      return startRun(o, event);
    case 'advance':
      try {
        return await advanceRun(o, event);
      } catch (caught) {
        // The state waits for its token, not for this function: fail it explicitly, with the
        // class the ASL retries (Dagy.Retryable) or catches.
        const error = classifyError(caught);
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        await o.sfn
          .send(new SendTaskFailureCommand({ taskToken: event.token, error: name, cause: clip(message) }))
          .catch(() => undefined);
        throw error;
      }
    case 'continue':
      return continueRun(o, event);
    case 'collect-ecs':
      return collectDagResult(o, event.org_id, event.run_id);
    case 'finalize': {
      const { state } = event;
      const dagError = state.dag?.outcome?.error;
      const error = state.error !== undefined ? describeCaughtError(state.error) : dagError;
      const run = await finalizeRun(o, state.org_id, state.run_id, error === undefined ? {} : { error });
      return { status: run?.status ?? null };
    }
    default: {
      const unknown: never = event;
      throw new Error(`run-orchestrator: unknown action ${JSON.stringify((unknown as { action?: unknown }).action)}`);
    }
  }
}

/** The run-orchestrator function: every Lambda step of the run state machine. */
export const createFunction: FunctionFactory<OrchestratorEvent | S3ObjectCreated, OrchestratorResult> = (env, deps) => {
  const runtime = createRuntime('run-orchestrator', env, deps);
  const services = orchestratorServices(runtime);
  return async (event) => {
    try {
      return await handle(services, event);
    } catch (error) {
      // Step Functions sees the error's name: Dagy.Retryable is retried, the rest caught.
      throw classifyError(error);
    }
  };
};
