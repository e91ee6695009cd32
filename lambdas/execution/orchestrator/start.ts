import { isTerminalRunStatus } from '../../engine';
import type { RunExecutor, RunRecord } from '../run-repository';
import { isRunExecutor } from '../run-repository';
import type { LoopOptions, LoopSignal } from './loop-protocol';
import { loopOptions, loopOptionsJson } from './loop-protocol';
import type { OrchestratorServices } from './orchestrator-services';
import { FatalError } from './errors';
import type { FlowVersionForRun } from './flow-cache';
import { prepareDagOrder } from '../ecs/ecs-orchestration';
import { ECS_ORDER_ENV } from '../ecs/ecs-order';

async function ecsState(o: OrchestratorServices, run: RunRecord, flow: FlowVersionForRun) {
  const env = await prepareDagOrder(o, run, flow);
  return {
    runner_url: await o.runnerUrl(),
    order_url: env[ECS_ORDER_ENV.orderUrl]!,
    result_url: env[ECS_ORDER_ENV.resultUrl]!,
    cancel_url: env[ECS_ORDER_ENV.cancelUrl]!,
  };
}

/** The execution's input: what the run starter (or a continuing execution) sends. */
export interface RunExecutionInput {
  org_id: string;
  run_id: string;
  /** 0 for the run's first execution, n for its n-th continuation (`<run_id>-<n>`). */
  segment?: number;
  /** Loop options (tests and operators may lower max_iterations / heartbeat_seconds). */
  options?: Partial<LoopOptions>;
}

export interface StartRequest {
  action: 'start';
  input: RunExecutionInput;
  execution_arn: string;
  execution_name: string;
}

/** The state the state machine carries after Start (`$`). */
export type StartState =
  | { next: 'done'; org_id: string; run_id: string }
  | {
      next: 'run';
      org_id: string;
      run_id: string;
      executor: RunExecutor;
      segment: number;
      options: LoopOptions;
      /** The advance loop's first signal (step-functions executor). */
      Payload: LoopSignal;
      /** ecs executor: what the RunInEcs state passes to the container (presigned URLs only). */
      ecs?: { runner_url: string; order_url: string; result_url: string; cancel_url: string };
    };

function segmentOf(input: RunExecutionInput): number {
  return typeof input.segment === 'number' && Number.isInteger(input.segment) && input.segment >= 0 ? input.segment : 0;
}

/**
 * The execution's first step: QUEUED → RUNNING (a continuing execution finds it RUNNING and takes
 * over), external_id = this execution, and the state for the executor's branch. A run already finished (cancelled before it started) ends the execution.
 */
export async function startRun(o: OrchestratorServices, request: StartRequest): Promise<StartState> {
  const { org_id, run_id } = request.input;
  const done = { next: 'done' as const, org_id, run_id };
  let run: RunRecord | null = await o.runs.get(org_id, run_id, { consistent: true });
  if (run === null) throw new FatalError(`run ${run_id} not found`);
  if (isTerminalRunStatus(run.status)) return done;
  if (!isRunExecutor(run.executor)) throw new FatalError(`run ${run_id} has an unknown executor ${JSON.stringify(run.executor)}`);
  // Fails early (caught: the run FAILS) when the flow version cannot be read.
  const flow = await o.flows.get(org_id, run.flow_name, run.flow_version);
  const segment = segmentOf(request.input);
  const options = loopOptions(request.input.options);
  const fields = { external_id: request.execution_arn, orchestration: loopOptionsJson(options, segment) };

  if (run.status === 'QUEUED') {
    const moved = await o.runs.transitionRunDetailed(org_id, run_id, ['QUEUED'], 'RUNNING', fields);
    if (moved.won) {
      run = moved.run;
      await o.events.runStatusChanged(run);
    } else {
      run = moved.current;
    }
  } else {
    const taken = await o.runs.updateRunDetailed(org_id, run_id, fields, { status: ['RUNNING'] });
    run = taken.won ? taken.run : taken.current;
  }
  if (run === null || run.status !== 'RUNNING') return done;

  return {
    next: 'run',
    org_id,
    run_id,
    executor: run.executor,
    segment,
    options,
    Payload: { next: 'advance', iteration: 0, wait_seconds: options.heartbeat_seconds },
    ...(run.executor === 'ecs' ? { ecs: await ecsState(o, run, flow) } : {}),
  };
}
