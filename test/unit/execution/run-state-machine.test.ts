import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, type FunctionName } from '../../../lambdas/catalogue';
import { AwsApiError, type AwsEmulator, type JsonOperation } from '../../../local/aws-emulator';
import type { PlatformContext } from '../../../local/extensions';
import { localSubstitutions, projectRoot, RUN_STATE_MACHINE_FILE, substitute } from '../../../local/step-functions/definition';
import { LocalStepFunctions } from '../../../local/step-functions/local-step-functions';

/*
 * The run state machine's control flow, run by the local runner from the same ASL file CDK
 * deploys, with the orchestrator and the task runner replaced by scripted fakes: what each branch
 * does with the orchestrator's answers (loop, sleep, heartbeat, continue, errors, stop).
 */

const ASL_TEXT = readFileSync(join(projectRoot(), RUN_STATE_MACHINE_FILE), 'utf8');
const ORCHESTRATOR_ENV: Record<string, string> = {
  [ENV.ecsCluster]: 'arn:aws:ecs:us-east-1:000000000000:cluster/local',
  [ENV.ecsTaskDefinition]: 'arn:aws:ecs:us-east-1:000000000000:task-definition/runner:1',
  [ENV.ecsContainerName]: 'runner',
  [ENV.ecsSubnets]: 'subnet-a,subnet-b',
  [ENV.ecsSecurityGroup]: 'sg-1',
};

type Call = { fn: FunctionName; payload: Record<string, unknown> };
type Fake = (payload: Record<string, unknown>, sfn: LocalStepFunctions) => unknown;

function harness(fakes: Partial<Record<string, Fake>>) {
  const calls: Call[] = [];
  let sfn: LocalStepFunctions;
  const context = {
    resources: { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:test-run', eventBusName: 'bus' },
    emulator: { register: (_target: string, _op: JsonOperation) => undefined } as unknown as AwsEmulator,
    envFor: () => ORCHESTRATOR_ENV,
    invoke: async (fn: FunctionName, payload: unknown) => {
      const p = payload as Record<string, unknown>;
      calls.push({ fn, payload: p });
      const fake = fakes[String(p.action)];
      if (fake === undefined) throw new Error(`unexpected ${String(p.action)}`);
      return fake(p, sfn);
    },
  } as unknown as PlatformContext;
  sfn = new LocalStepFunctions(context);
  return { sfn: () => sfn, calls, start: () => sfn.start() };
}

const running = (executor: string, extra: Record<string, unknown> = {}) => ({
  next: 'run',
  org_id: 'o',
  run_id: 'r',
  executor,
  segment: 0,
  options: { heartbeat_seconds: 300, max_iterations: 1500 },
  Payload: { next: 'advance', iteration: 0, wait_seconds: 300 },
  ...extra,
});

/** Redeems the Advance state's token from "a completion", after the fake returned. */
function completeLater(output: Record<string, unknown>): Fake {
  return (payload, sfn) => {
    setTimeout(() => sfn.sendTaskResult(String(payload.token), { output }), 5);
    return {};
  };
}

describe('the ASL file', () => {
  const definition = JSON.parse(ASL_TEXT) as { States: Record<string, Record<string, unknown>> };

  test('every ${placeholder} has a local value', () => {
    const values = localSubstitutions(ORCHESTRATOR_ENV, 'bus');
    const used = [...new Set([...ASL_TEXT.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))];
    expect(used.filter((name) => !(name in values))).toEqual([]);
    expect(() => substitute('${Nope}', values)).toThrow('no local value for substitution(s) Nope');
  });

  test('every Next and Catch target exists, and the Advance state waits on its own task token', () => {
    const names = new Set(Object.keys(definition.States));
    for (const state of Object.values(definition.States)) {
      if (typeof state.Next === 'string') expect(names).toContain(state.Next);
      for (const c of (state.Catch as Array<{ Next: string }> | undefined) ?? []) expect(names).toContain(c.Next);
      for (const c of (state.Choices as Array<{ Next: string }> | undefined) ?? []) expect(names).toContain(c.Next);
    }
    const advance = definition.States.Advance!;
    expect(advance.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect((advance.Parameters as { Payload: Record<string, unknown> }).Payload['token.$']).toBe('$$.Task.Token');
    // The timeout path resolves in the state input and in the Parameters output alike.
    expect(advance.TimeoutSecondsPath).toBe('$.Payload.wait_seconds');
    expect((advance.Parameters as { Payload: Record<string, unknown> }).Payload['wait_seconds.$']).toBe('$.Payload.wait_seconds');
  });

  test('is JSONPath only (no JSONata)', () => {
    expect(ASL_TEXT).not.toContain('QueryLanguage');
    expect(ASL_TEXT).not.toContain('{%');
  });
});

describe('the run state machine, run locally with scripted functions', () => {
  test('step-functions: advances until the orchestrator says done, sleeping when told to', async () => {
    let advances = 0;
    const h = harness({
      start: () => running('step-functions'),
      advance: (payload, sfn) => {
        advances++;
        const loop = payload.loop as { iteration: number };
        const next = advances === 1 ? { next: 'advance' } : advances === 2 ? { next: 'sleep', sleep_seconds: 0 } : { next: 'done' };
        return completeLater({ ...next, iteration: loop.iteration + 1, wait_seconds: 300 })(payload, sfn);
      },
    });
    await h.start();
    const { executionArn } = h.sfn().startExecution('r', JSON.stringify({ org_id: 'o', run_id: 'r' }));
    const info = await h.sfn().settled(executionArn);
    expect(info?.status).toBe('SUCCEEDED');
    expect(info?.stateCounts).toEqual({ Start: 1, ChooseExecutor: 1, Advance: 3, AfterAdvance: 3, SleepUntilRetry: 1, Done: 1 });
    const iterations = h.calls.filter((c) => c.payload.action === 'advance').map((c) => (c.payload.loop as { iteration: number }).iteration);
    expect(iterations).toEqual([0, 1, 2]);
    // Each Advance gets a fresh token; the execution's identity reaches Start.
    const tokens = h.calls.filter((c) => c.payload.action === 'advance').map((c) => c.payload.token);
    expect(new Set(tokens).size).toBe(3);
    expect(h.calls[0]!.payload).toMatchObject({ action: 'start', execution_arn: executionArn, execution_name: 'r' });
  });

  test('a redeemed token cannot be redeemed again, and an unknown one is invalid', async () => {
    let token = '';
    const h = harness({
      start: () => running('step-functions'),
      advance: (payload, sfn) => {
        token = String(payload.token);
        return completeLater({ next: 'done', iteration: 1, wait_seconds: 300 })(payload, sfn);
      },
    });
    await h.start();
    const { executionArn } = h.sfn().startExecution('r', '{}');
    await h.sfn().settled(executionArn);
    expect(() => h.sfn().sendTaskResult(token, { output: {} })).toThrow(expect.objectContaining({ type: 'TaskTimedOut' }) as AwsApiError);
    expect(() => h.sfn().sendTaskResult('garbage', { output: {} })).toThrow(expect.objectContaining({ type: 'InvalidToken' }) as AwsApiError);
  });

  test('no completion within wait_seconds: the Heartbeat state advances with the next iteration number, asking for every task run', async () => {
    const seen: Array<{ iteration: number; wait: number; reread?: boolean }> = [];
    const h = harness({
      start: () => running('step-functions', { options: { heartbeat_seconds: 300, max_iterations: 1500 }, Payload: { next: 'advance', iteration: 0, wait_seconds: 1 } }),
      advance: (payload, sfn) => {
        const loop = payload.loop as { iteration: number; wait_seconds: number; reread?: boolean };
        seen.push({ iteration: loop.iteration, wait: loop.wait_seconds, ...(loop.reread === undefined ? {} : { reread: loop.reread }) });
        // First time: never redeem (the wait times out after 1 s). Then: done.
        return seen.length === 1 ? {} : completeLater({ next: 'done', iteration: loop.iteration + 1, wait_seconds: 300 })(payload, sfn);
      },
    });
    await h.start();
    const info = await h.sfn().settled(h.sfn().startExecution('r', '{}').executionArn);
    expect(info?.status).toBe('SUCCEEDED');
    expect(info?.stateCounts.Heartbeat).toBe(1);
    expect(seen).toEqual([
      { iteration: 0, wait: 1 },
      { iteration: 1, wait: 300, reread: true },
    ]);
  });

  test('continue: the ContinueAsNew step gets the segment and options, and the execution ends', async () => {
    const h = harness({
      start: () => running('step-functions', { segment: 2, options: { heartbeat_seconds: 60, max_iterations: 5 } }),
      advance: completeLater({ next: 'continue', iteration: 6, wait_seconds: 60 }),
      continue: () => ({ execution_name: 'r-3' }),
    });
    await h.start();
    const info = await h.sfn().settled(h.sfn().startExecution('r', '{}').executionArn);
    expect(info?.status).toBe('SUCCEEDED');
    expect(h.calls.find((c) => c.payload.action === 'continue')?.payload).toEqual({
      action: 'continue',
      org_id: 'o',
      run_id: 'r',
      segment: 2,
      options: { heartbeat_seconds: 60, max_iterations: 5 },
    });
  });

  test('an orchestration error is finalized with the error, and the execution fails', async () => {
    const h = harness({
      start: () => running('step-functions'),
      advance: () => {
        throw new Error('dynamo is down');
      },
      finalize: () => ({ status: 'FAILED' }),
    });
    await h.start();
    const info = await h.sfn().settled(h.sfn().startExecution('r', '{}').executionArn);
    expect(info?.status).toBe('FAILED');
    expect(info?.error).toBe('RunOrchestrationFailed');
    const state = h.calls.find((c) => c.payload.action === 'finalize')!.payload.state as { error: { Error: string; Cause: string } };
    expect(state.error.Error).toBe('Error');
    expect(JSON.parse(state.error.Cause)).toEqual({ errorMessage: 'dynamo is down', errorType: 'Error' });
  });

  test('lambda: the whole DAG runs in one task-runner invocation, then Finalize gets its outcome', async () => {
    const h = harness({
      start: () => running('lambda'),
      'run-dag': () => ({ status: 'FAILED', error: 'the flow exceeds the 15-minute Lambda cap' }),
      finalize: () => ({ status: 'FAILED' }),
    });
    await h.start();
    const info = await h.sfn().settled(h.sfn().startExecution('r', '{}').executionArn);
    expect(info?.status).toBe('SUCCEEDED');
    expect(h.calls.map((c) => `${c.fn}:${String(c.payload.action)}`)).toEqual(['run-orchestrator:start', 'task-runner:run-dag', 'run-orchestrator:finalize']);
    expect((h.calls[2]!.payload.state as { dag: unknown }).dag).toEqual({ outcome: { status: 'FAILED', error: 'the flow exceeds the 15-minute Lambda cap' } });
  });

  test('a run already finished: Start says done and nothing else runs', async () => {
    const h = harness({ start: () => ({ next: 'done', org_id: 'o', run_id: 'r' }) });
    await h.start();
    const info = await h.sfn().settled(h.sfn().startExecution('r', '{}').executionArn);
    expect(info?.status).toBe('SUCCEEDED');
    expect(h.calls).toHaveLength(1);
  });

  test('StopExecution aborts a waiting execution: nothing runs after it', async () => {
    const h = harness({ start: () => running('step-functions'), advance: () => ({}) });
    await h.start();
    const { executionArn } = h.sfn().startExecution('r', '{}');
    while (!h.calls.some((c) => c.payload.action === 'advance')) await new Promise((r) => setTimeout(r, 5));
    h.sfn().stopExecution(executionArn, 'Dagy.Cancelled', 'cancelled');
    const info = await h.sfn().settled(executionArn);
    expect(info).toMatchObject({ status: 'ABORTED', error: 'Dagy.Cancelled' });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls.map((c) => c.payload.action)).toEqual(['start', 'advance']);
  });

  test('the same name with the same input while running is the same execution; otherwise a conflict', async () => {
    const h = harness({ start: () => running('step-functions'), advance: () => ({}) });
    await h.start();
    const first = h.sfn().startExecution('r', '{"a":1}');
    expect(h.sfn().startExecution('r', '{"a":1}').executionArn).toBe(first.executionArn);
    expect(() => h.sfn().startExecution('r', '{"a":2}')).toThrow(expect.objectContaining({ type: 'ExecutionAlreadyExists' }) as AwsApiError);
    h.sfn().stopExecution(first.executionArn);
    await h.sfn().settled(first.executionArn);
  });
});
