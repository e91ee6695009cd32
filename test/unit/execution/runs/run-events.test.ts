import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EMITTED_EVENTS } from '../../../../lambdas/catalogue/events';
import { createRunEventPublisher } from '../../../../lambdas/execution/run-events';
import type { RunRecord } from '../../../../lambdas/execution/run-repository';
import type { TaskRunRecord } from '../../../../lambdas/execution/task-run-repository';
import { ManualClock } from '../../../../lambdas/shared/clock';
import type { Logger } from '../../../../lambdas/shared/logger';

// EventBridge has no local emulator that reports failures: the PutEvents contract is mocked here
// (the local bus delivery is covered by the runs API integration tests).
const ebMock = mockClient(EventBridgeClient);

const run: RunRecord = {
  org_id: 'org-1',
  run_id: 'run-1',
  run_slug: 'brisk-falcon-0001',
  flow_name: 'etl',
  environment: null,
  flow_version: '1.0.0',
  deployment_name: 'etl-prod',
  status: 'FAILED',
  previous_status: 'RUNNING',
  parameters: {},
  executor: 'step-functions',
  external_id: 'arn:aws:states:us-east-1:0:execution:m:run-1',
  started_at: '2026-03-01T10:00:00.000Z',
  completed_at: '2026-03-01T10:01:00.000Z',
  created_at: '2026-03-01T09:59:00.000Z',
  updated_at: '2026-03-01T10:01:00.000Z',
  trigger_type: 'schedule',
  trigger_id: 'sch_1',
  trigger_slot: '2026-03-01T10:00:00.000Z',
  retry_of: null,
  actor_email: 'schedule:sch_1',
  idempotency_key: null,
  ecs_task_arn: null,
  error_message: 'task x failed',
  outputs: null,
  wait_token: null,
  loop_iteration: 3,
  orchestration: null,
  cost: null,
  queued_reason: null,
};

const taskRun = (name: string): TaskRunRecord => ({
  org_id: 'org-1',
  run_id: 'run-1',
  task_run_id: `tr_${name}`,
  task_name: name,
  status: 'SKIPPED',
  previous_status: 'PENDING',
  attempt: 0,
  executor: null,
  started_at: null,
  completed_at: '2026-03-01T10:01:00.000Z',
  error_message: 'cancelled',
  output_ref: null,
  output_json: null,
  log_text: null,
  not_before: null,
  reused_from_run_id: null,
  cost: null,
  created_at: '2026-03-01T09:59:00.000Z',
  updated_at: '2026-03-01T10:01:00.000Z',
});

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) };
}

describe('run event publisher', () => {
  beforeEach(() => ebMock.reset());
  const clock = new ManualClock(Date.parse('2026-03-01T10:01:00.000Z'));

  it('puts "Run Status Changed" on the Dagy bus with the run and its previous status', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const publisher = createRunEventPublisher({ events: new EventBridgeClient({ region: 'us-east-1' }), busName: 'dagy-dev', clock, logger: recordingLogger() });
    await publisher.runStatusChanged(run);
    const entry = ebMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      EventBusName: 'dagy-dev',
      Source: EMITTED_EVENTS.runStatusChanged.source,
      DetailType: EMITTED_EVENTS.runStatusChanged.detailType,
      Resources: [run.external_id],
    });
    expect(JSON.parse(entry.Detail!)).toEqual({
      org_id: 'org-1',
      run_id: 'run-1',
      run_slug: 'brisk-falcon-0001',
      flow_name: 'etl',
      flow_version: '1.0.0',
      deployment_name: 'etl-prod',
      executor: 'step-functions',
      status: 'FAILED',
      previous_status: 'RUNNING',
      trigger_type: 'schedule',
      started_at: run.started_at,
      completed_at: run.completed_at,
      error_message: 'task x failed',
      cost_usd: null,
      occurred_at: '2026-03-01T10:01:00.000Z',
    });
  });

  it('sends task run events 10 per PutEvents request', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const publisher = createRunEventPublisher({ events: new EventBridgeClient({ region: 'us-east-1' }), busName: 'dagy-dev', clock, logger: recordingLogger() });
    await publisher.taskRunStatusChanged(run, Array.from({ length: 23 }, (_, i) => taskRun(`t${i}`)));
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    const detail = JSON.parse(calls[2]!.args[0].input.Entries![2]!.Detail!);
    expect(detail).toMatchObject({ task_name: 't22', task_run_id: 'tr_t22', status: 'SKIPPED', previous_status: 'PENDING', flow_name: 'etl', run_id: 'run-1' });
  });

  it('logs a failed put instead of failing the committed change, unless asked to throw', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const logger = recordingLogger();
    const lenient = createRunEventPublisher({ events: new EventBridgeClient({ region: 'us-east-1' }), busName: 'b', clock, logger });
    await expect(lenient.runStatusChanged(run)).resolves.toBeUndefined();
    expect(logger.errors).toEqual(['run event publish failed']);
    const strict = createRunEventPublisher({ events: new EventBridgeClient({ region: 'us-east-1' }), busName: 'b', clock, logger, throwOnError: true });
    await expect(strict.runStatusChanged(run)).rejects.toThrow('InternalFailure: try again');
    ebMock.on(PutEventsCommand).rejects(new Error('network down'));
    await expect(lenient.taskRunStatusChanged(run, taskRun('a'))).resolves.toBeUndefined();
    expect(logger.errors).toHaveLength(2);
  });
});
