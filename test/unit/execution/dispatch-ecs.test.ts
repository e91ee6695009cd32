import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import type { RunRecord } from '../../../lambdas/execution/run-repository';
import { launchAttempt, runTaskEvent } from '../../../lambdas/execution/orchestrator/dispatch';
import type { EcsOrder, EcsTaskOrder } from '../../../lambdas/execution/ecs/ecs-order';
import type { OrchestratorServices } from '../../../lambdas/execution/orchestrator/orchestrator-services';
import { parseFlowSpec } from '../../../lambdas/engine';

/*
 * ECS has no emulator in AWS-path unit tests: the RunTask request the orchestrator sends for an
 * `ecs` task of a step-functions run, checked against a mocked client.
 */
const ecsMock = mockClient(ECSClient);
const spec = parseFlowSpec({ tasks: [{ name: 'heavy', type: 'code', handler: 'tasks/h.mjs:run', executor: 'ecs', timeout_seconds: 3600, parameters: { p: 1 }, secrets: ['API_TOKEN'] }] });
const run = {
  org_id: 'org-1',
  run_id: 'run-1',
  flow_name: 'f',
  flow_version: '1',
  deployment_name: null,
  parameters: { day: 'x' },
} as unknown as RunRecord;

/** Orders the dispatch prepared (the exchange's S3 side is covered by the integration tests on s3rver). */
const prepared: Array<{ order: EcsOrder; slot: string }> = [];

function services(): OrchestratorServices {
  return {
    flows: { get: async () => ({ spec, artifact: { artifact_s3_uri: 's3://b/a.zip', code_hash: 'h'.repeat(64) } }) },
    objects: { outputByRef: async (_org: string, ref: string) => ({ from: ref }) },
    secrets: { resolve: async (_org: string, _run: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, `value-of-${n}`])) },
    artifactLinks: { url: async () => 'https://bucket.s3/artifacts/a.zip?sig' },
    ecsExchange: {
      prepare: async (order: EcsOrder, slot: string) => {
        prepared.push({ order, slot });
        return { DAGY_ORDER_URL: `https://o/${slot}`, DAGY_RESULT_URL: `https://r/${slot}`, DAGY_CANCEL_URL: 'https://c' };
      },
    },
    ecs: new ECSClient({ region: 'us-east-1' }),
    ecsTarget: { cluster: 'arn:aws:ecs:eu-west-1:1:cluster/c', taskDefinition: 'dagy-runner', subnets: ['subnet-1', 'subnet-2'], securityGroup: 'sg-9', containerName: 'runner' },
    runnerUrl: async () => 'https://bucket.s3/runtime/ecs-runner.mjs?sig',
  } as unknown as OrchestratorServices;
}

beforeEach(() => {
  ecsMock.reset();
  prepared.length = 0;
});

test('an ecs task is started as a Fargate task of the runner whose environment holds presigned URLs only; its order carries the attempt, inputs, declared secrets and loop token', async () => {
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/c/abc' }], failures: [] });
  const event = runTaskEvent(run, spec.tasks[0]!, 2, { artifact_s3_uri: 's3://b/a.zip', code_hash: 'h' }, { up: 'runs/org-1/run-1/up/output.json', side: 'runs/org-1/run-1/side/output.json' }, { token: 'TOKEN', iteration: 7, heartbeat_seconds: 300 }, { side: '{"held":"inline"}' });
  expect(event.parameters).toEqual({ p: 1, day: 'x' });
  await launchAttempt(services(), run, event);
  const input = ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
  expect(input).toMatchObject({
    cluster: 'arn:aws:ecs:eu-west-1:1:cluster/c',
    taskDefinition: 'dagy-runner',
    launchType: 'FARGATE',
    count: 1,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-9'], assignPublicIp: 'ENABLED' } },
  });
  const env = Object.fromEntries(input.overrides!.containerOverrides![0]!.environment!.map((e) => [e.name, e.value]));
  expect(input.overrides!.containerOverrides![0]!.name).toBe('runner');
  expect(env).toEqual({
    DAGY_RUNNER_URL: 'https://bucket.s3/runtime/ecs-runner.mjs?sig',
    DAGY_ORDER_URL: 'https://o/task-2-heavy',
    DAGY_RESULT_URL: 'https://r/task-2-heavy',
    DAGY_CANCEL_URL: 'https://c',
  });
  expect(prepared).toHaveLength(1);
  const order = prepared[0]!.order as EcsTaskOrder;
  expect(order).toMatchObject({
    mode: 'task',
    org_id: 'org-1',
    run_id: 'run-1',
    attempt: 2,
    // One read by ref, one sent inline with the event (no read).
    inputs: { up: { from: 'runs/org-1/run-1/up/output.json' }, side: { held: 'inline' } },
    loop: { token: 'TOKEN', iteration: 7, heartbeat_seconds: 300 },
    artifact: { code_hash: 'h'.repeat(64), url: 'https://bucket.s3/artifacts/a.zip?sig' },
  });
  expect(order.work.secrets).toEqual(Object.fromEntries(spec.tasks[0]!.secrets.map((n) => [n, `value-of-${n}`])));
});

test('a RunTask that starts nothing is an error (the attempt is then retried or failed by the loop)', async () => {
  ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY', detail: 'no capacity' }] });
  const event = runTaskEvent(run, spec.tasks[0]!, 1, { artifact_s3_uri: null, code_hash: 'h' }, {}, { token: 'T', iteration: 1, heartbeat_seconds: 300 });
  await expect(launchAttempt(services(), run, event)).rejects.toThrow('ECS RunTask failed: RESOURCE:MEMORY (no capacity)');
});

test('parameters too large for an event invocation are left for the runner to read', () => {
  const big = { ...run, parameters: { blob: 'x'.repeat(300 * 1024) } } as unknown as RunRecord;
  const event = runTaskEvent(big, spec.tasks[0]!, 1, { artifact_s3_uri: null, code_hash: 'h' }, {}, { token: 'T', iteration: 1, heartbeat_seconds: 300 });
  expect(event.parameters).toBeNull();
});
