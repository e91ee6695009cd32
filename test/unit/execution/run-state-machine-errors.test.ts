import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, type FunctionName } from '../../../lambdas/catalogue';
import { FATAL_ERROR, FatalError, RETRYABLE_ERROR, RetryableError, classifyError, isRetryable } from '../../../lambdas/execution/orchestrator/errors';
import type { AwsEmulator, JsonOperation } from '../../../local/aws-emulator';
import type { PlatformContext } from '../../../local/extensions';
import { projectRoot, RUN_STATE_MACHINE_FILE } from '../../../local/step-functions/definition';
import { LocalStepFunctions } from '../../../local/step-functions/local-step-functions';

/*
 * Retry what is transient, catch what is not: the orchestrator's error classes and the Retry /
 * Catch of the run state machine that use them, checked on the ASL's shape and by executing the
 * ASL file with aws-local-stepfunctions and scripted orchestrator steps.
 */

type State = Record<string, unknown> & {
  Type: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number; IntervalSeconds?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
};
const ASL = JSON.parse(readFileSync(join(projectRoot(), RUN_STATE_MACHINE_FILE), 'utf8')) as { States: Record<string, State> };

describe('error classes', () => {
  test('throttles, timeouts, 5xx and socket errors are retryable; validation and missing things are fatal; the rest unchanged', () => {
    const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('x'), { name, ...extra });
    expect(classifyError(named('ProvisionedThroughputExceededException'))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(named('ThrottlingException'))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(named('TimeoutError'))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(named('SomeServiceFault', { $metadata: { httpStatusCode: 503 } }))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(named('Error', { code: 'ECONNRESET' }))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toMatchObject({ name: RETRYABLE_ERROR });
    expect(classifyError(named('ValidationException'))).toMatchObject({ name: FATAL_ERROR });
    expect(classifyError(named('ConditionalCheckFailedException', { $metadata: { httpStatusCode: 400 } }))).toMatchObject({ name: 'ConditionalCheckFailedException' });
    const plain = new Error('bug');
    expect(classifyError(plain)).toBe(plain);
    // The original message survives (the run's error_message is built from it).
    expect((classifyError(named('ThrottlingException')) as Error).message).toBe('ThrottlingException: x');
    expect(isRetryable(new FatalError('run r not found'))).toBe(false);
    expect(classifyError(new RetryableError('again'))).toMatchObject({ name: RETRYABLE_ERROR, message: 'again' });
  });
});

describe('the ASL Retry and Catch', () => {
  const retried = (state: State, name: string) => (state.Retry ?? []).find((r) => r.ErrorEquals.includes(name));
  const caughtTo = (state: State, name: string) => (state.Catch ?? []).find((c) => c.ErrorEquals.includes(name))?.Next;

  test.each(['Start', 'Advance', 'ContinueAsNew'])('%s retries Dagy.Retryable with backoff and catches Dagy.Fatal into Finalize', (name) => {
    const state = ASL.States[name]!;
    const retry = retried(state, RETRYABLE_ERROR);
    expect(retry).toBeDefined();
    expect(retry!.MaxAttempts).toBeGreaterThanOrEqual(3);
    expect(retry!.BackoffRate).toBeGreaterThan(1);
    expect(retried(state, FATAL_ERROR)).toBeUndefined();
    expect(retried(state, 'States.ALL')).toBeUndefined();
    expect(caughtTo(state, FATAL_ERROR)).toBe('Finalize');
    // Catchers are tried in order: the specific one before the catch-all.
    const order = (state.Catch ?? []).map((c) => c.ErrorEquals[0]);
    expect(order.indexOf(FATAL_ERROR)).toBeLessThan(order.indexOf('States.ALL'));
  });

  test('Finalize retries, then hands the run to the reconciler through a Fail state that names why', () => {
    const finalize = ASL.States.Finalize!;
    expect(retried(finalize, RETRYABLE_ERROR)).toBeDefined();
    const next = caughtTo(finalize, 'States.ALL');
    expect(next).toBeDefined();
    const target = ASL.States[next!]!;
    expect(target.Type).toBe('Fail');
    expect(target.Error).toBe('Dagy.FinalizeFailed');
    expect(target.CausePath).toBe(finalize.Catch![0]!.ResultPath + '.Cause');
  });
});

const ORCHESTRATOR_ENV: Record<string, string> = {
  [ENV.ecsCluster]: 'arn:aws:ecs:us-east-1:000000000000:cluster/local',
  [ENV.ecsTaskDefinition]: 'arn:aws:ecs:us-east-1:000000000000:task-definition/runner:1',
  [ENV.ecsContainerName]: 'runner',
  [ENV.ecsSubnets]: 'subnet-a,subnet-b',
  [ENV.ecsSecurityGroup]: 'sg-1',
};

type Fake = (payload: Record<string, unknown>, sfn: LocalStepFunctions) => unknown;

/** The ASL file run locally with scripted orchestrator steps that throw what the orchestrator would. */
async function run(fakes: Partial<Record<string, Fake>>) {
  const calls: Array<Record<string, unknown>> = [];
  let sfn: LocalStepFunctions | undefined;
  const context = {
    resources: { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:test-run', eventBusName: 'bus' },
    emulator: { register: (_target: string, _op: JsonOperation) => undefined } as unknown as AwsEmulator,
    envFor: () => ORCHESTRATOR_ENV,
    invoke: async (_fn: FunctionName, payload: unknown) => {
      const p = payload as Record<string, unknown>;
      calls.push(p);
      const fake = fakes[String(p.action)];
      if (fake === undefined) throw new Error(`unexpected ${String(p.action)}`);
      return fake(p, sfn!);
    },
  } as unknown as PlatformContext;
  sfn = new LocalStepFunctions(context);
  await sfn.start();
  sfn.configure({ retryIntervalOverrides: { Start: 0, Advance: 0, Finalize: 0, ContinueAsNew: 0 } });
  const info = await sfn.settled(sfn.startExecution('r', JSON.stringify({ org_id: 'o', run_id: 'r' })).executionArn);
  return { info: info!, calls, actions: calls.map((c) => String(c.action)) };
}

const running = () => ({
  next: 'run',
  org_id: 'o',
  run_id: 'r',
  executor: 'step-functions',
  segment: 0,
  options: { heartbeat_seconds: 300, max_iterations: 1500 },
  Payload: { next: 'advance', iteration: 0, wait_seconds: 300 },
});

/** As the orchestrator's handler does: the error, classified, is what the function throws. */
const throws = (error: Error): never => {
  throw classifyError(error);
};
const throttle = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });

describe('the run state machine with failing steps', () => {
  test('a throttled Start is retried and the run goes on', async () => {
    let starts = 0;
    const { info, actions } = await run({
      start: () => (++starts < 3 ? throws(throttle()) : { next: 'done', org_id: 'o', run_id: 'r' }),
    });
    expect(info.status).toBe('SUCCEEDED');
    expect(actions).toEqual(['start', 'start', 'start']);
  });

  test('an Advance that throws once mid-way (a throttle) is retried; no Finalize with an error', async () => {
    let advances = 0;
    const { info, actions, calls } = await run({
      start: () => running(),
      advance: (payload, sfn) => {
        if (++advances === 1) return throws(throttle());
        setTimeout(() => sfn.sendTaskResult(String(payload.token), { output: { next: 'done', iteration: 1, wait_seconds: 300 } }), 5);
        return {};
      },
    });
    expect(info.status).toBe('SUCCEEDED');
    expect(actions).toEqual(['start', 'advance', 'advance']);
    expect(calls.some((c) => c.action === 'finalize')).toBe(false);
  });

  test('a fatal Start (missing run) is not retried: Finalize gets the error, the execution fails', async () => {
    const { info, actions, calls } = await run({
      start: () => throws(new FatalError('run r not found')),
      finalize: () => ({ status: null }),
    });
    expect(actions).toEqual(['start', 'finalize']);
    expect((calls[1]!.state as { error: { Error: string } }).error.Error).toBe(FATAL_ERROR);
    expect(info.status).toBe('FAILED');
    expect(info.error).toBe('RunOrchestrationFailed');
  });

  test('a throttle that outlasts every retry is caught into Finalize: the run fails, never stays RUNNING', async () => {
    const { info, actions } = await run({ start: () => throws(throttle()), finalize: () => ({ status: 'FAILED' }) });
    expect(actions.filter((a) => a === 'start')).toHaveLength(1 + ASL.States.Start!.Retry!.find((r) => r.ErrorEquals.includes(RETRYABLE_ERROR))!.MaxAttempts!);
    expect(actions.at(-1)).toBe('finalize');
    expect(info.status).toBe('FAILED');
  });

  test('a Finalize that keeps failing ends the execution in the Fail state with its cause, leaving the run to the reconciler', async () => {
    const { info, actions } = await run({
      start: () => ({ next: 'run', org_id: 'o', run_id: 'r', executor: 'lambda', segment: 0, options: {}, Payload: {} }),
      'run-dag': () => ({ status: 'SUCCEEDED' }),
      finalize: () => throws(new Error('the table is gone')),
    });
    expect(actions.filter((a) => a === 'finalize').length).toBeGreaterThan(1);
    expect(info.status).toBe('FAILED');
    expect(info.error).toBe('Dagy.FinalizeFailed');
    expect(info.cause).toContain('the table is gone');
  });
});
