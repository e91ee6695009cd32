import { graphOf } from '../engine';
import { createRuntime } from '../shared/runtime';
import { RUNNER_ENV } from './task-runner/ecs-contract';
import { runTaskEvent } from './orchestrator/dispatch';
import { runnerServices, type RunnerServices } from './task-runner/runner-services';
import { runSingleTask } from './task-runner/single-task';
import { runWholeDag } from './task-runner/whole-dag';

/*
 * The program of the ECS runner container (bundled; the container's bootstrap downloads and imports
 * it). Its environment holds the task runner's bindings plus the container overrides of
 * task-runner/ecs-contract.ts:
 *   DAGY_RUNNER_MODE=dag   the whole run (executor `ecs`), with the same in-process runner as the
 *                          `lambda` executor, no 15-minute cap;
 *   DAGY_RUNNER_MODE=task  one attempt of one task of a step-functions run (task executor `ecs`).
 * Exit code 0: the work was recorded in the tables; non-zero: the run state machine's RunInEcs
 * state fails and Finalize settles the run.
 */

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** The ECS task's ARN from the task metadata endpoint (absent outside ECS). */
async function ownTaskArn(): Promise<string | null> {
  const uri = process.env.ECS_CONTAINER_METADATA_URI_V4;
  if (uri === undefined) return null;
  try {
    const res = await fetch(`${uri}/task`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { TaskARN?: unknown };
    return typeof body.TaskARN === 'string' ? body.TaskARN : null;
  } catch {
    return null;
  }
}

async function runDag(s: RunnerServices, orgId: string, runId: string, signal: AbortSignal): Promise<number> {
  const taskArn = await ownTaskArn();
  if (taskArn !== null) await s.runs.updateRun(orgId, runId, { ecs_task_arn: taskArn }, { status: ['RUNNING'] });
  const outcome = await runWholeDag(s, { action: 'run-dag', org_id: orgId, run_id: runId }, { executor: 'ecs', signal });
  if (outcome.error === undefined) return 0;
  // The run must fail for a reason its task runs do not show: keep it on the run for Finalize.
  await s.runs.updateRun(orgId, runId, { error_message: outcome.error }, { status: ['RUNNING'] });
  process.stderr.write(`${outcome.error}\n`);
  return 2;
}

async function runTask(s: RunnerServices, orgId: string, runId: string, signal: AbortSignal): Promise<number> {
  const taskName = required(RUNNER_ENV.taskName);
  const attempt = Number(required(RUNNER_ENV.attempt));
  const run = await s.runs.get(orgId, runId, { consistent: true });
  if (run === null) throw new Error(`run ${runId} not found`);
  const flow = await s.flows.get(orgId, run.flow_name, run.flow_version);
  const task = graphOf(flow.spec).specs.get(taskName);
  if (task === undefined) throw new Error(`task ${taskName} is not in flow ${run.flow_name}@${run.flow_version}`);
  const inputs: Record<string, string> = {};
  const byName = new Map((await s.taskRuns.listForRun(orgId, runId, { consistent: true })).map((t) => [t.task_name, t]));
  for (const upstream of graphOf(flow.spec).upstreams.get(taskName)!) {
    const up = byName.get(upstream);
    if (up?.status === 'SUCCEEDED' && up.output_ref !== null) inputs[upstream] = up.output_ref;
  }
  const event = runTaskEvent(run, task, attempt, flow.artifact, inputs, {
    token: required(RUNNER_ENV.taskToken),
    iteration: Number(required(RUNNER_ENV.loopIteration)),
    heartbeat_seconds: Number(required(RUNNER_ENV.heartbeatSeconds)),
  });
  await runSingleTask(s, event, { signal });
  return 0;
}

async function main(): Promise<number> {
  const runtime = createRuntime('task-runner', process.env);
  const services = runnerServices(runtime);
  const stop = new AbortController();
  // ECS may signal more than once (StopTask from the cancel route and from Step Functions): every
  // SIGTERM is handled, so none falls back to the default action of killing the process mid-write.
  process.on('SIGTERM', () => stop.abort(new Error('the ECS task was stopped')));
  const mode = required(RUNNER_ENV.mode);
  const orgId = required(RUNNER_ENV.orgId);
  const runId = required(RUNNER_ENV.runId);
  if (mode === 'dag') return runDag(services, orgId, runId, stop.signal);
  if (mode === 'task') return runTask(services, orgId, runId, stop.signal);
  throw new Error(`${RUNNER_ENV.mode} must be dag or task, not ${JSON.stringify(mode)}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ecs runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
