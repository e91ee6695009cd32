import { createRuntime, type FunctionFactory } from '../../shared/runtime';
import { runnerServices } from './runner-services';
import { parseTaskRunnerEvent, type RunDagOutcome } from './runner-events';
import { runSingleTask } from './single-task';
import { runTaskBatch } from './task-batch';
import { runWholeDag } from './whole-dag';

export type TaskRunnerResult = RunDagOutcome | { recorded: boolean } | { recorded_attempts: number };

/**
 * The task-runner function: one attempt of one task (`run-task`, invoked asynchronously by the
 * advance loop), the attempts the loop started together (`run-tasks`), or a whole run in this
 * invocation (`run-dag`, the `lambda` executor), all within the invocation's remaining time.
 */
export const createFunction: FunctionFactory<unknown, TaskRunnerResult> = (env, deps) => {
  const runtime = createRuntime('task-runner', env, deps);
  const services = runnerServices(runtime);
  return async (event, context) => {
    const request = parseTaskRunnerEvent(event);
    const remainingMs = context === undefined ? undefined : () => context.getRemainingTimeInMillis();
    if (request.action === 'run-task') {
      const recorded = await runSingleTask(services, request, remainingMs === undefined ? {} : { remainingMs });
      return { recorded: recorded !== null };
    }
    if (request.action === 'run-tasks') {
      return { recorded_attempts: await runTaskBatch(services, request, remainingMs === undefined ? {} : { remainingMs }) };
    }
    return runWholeDag(services, request, {
      executor: 'lambda',
      ...(remainingMs === undefined ? {} : { remainingMs }),
      ...(context === undefined ? {} : { invocationId: context.awsRequestId }),
    });
  };
};
