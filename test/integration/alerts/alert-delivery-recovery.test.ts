import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { EMITTED_EVENTS } from '../../../lambdas/catalogue/events';
import type { DispatchReport } from '../../../lambdas/alerts/dispatcher';
import { FIRING_CLAIM_SECONDS } from '../../../lambdas/alerts/firing-repository';
import { ManualClock } from '../../../lambdas/shared/clock';
import type { AwsCall } from '../../../lambdas/shared/aws-clients';
import { createFaultInjector, isDynamoWrite, throttleError } from '../../../local/fault-injection';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { startReceiver, type Receiver } from './receiver';

// The alert dispatcher dies between claiming an alert and sending it (faults injected into its
// own DynamoDB writes on the local platform): the alert is still sent, once. The claim is a
// PENDING firing mark holding the message; the event's retry or the minute tick resumes it; a
// DELIVERED mark is never sent again; the throttle window taken by the first claim still holds.
describe('alert delivery after a dispatcher failure', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let receiver: Receiver;
  let ddb: DynamoDBDocumentClient;
  const clock = new ManualClock(Date.now());
  const faults = createFaultInjector();

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startTestPlatform({ allowLoopbackEgress: true, clock, awsMiddleware: faults.middleware });
    tenant = await signUpTenant(platform.url, 'alert-recovery');
    ddb = DynamoDBDocumentClient.from(platform.dynamodb);
  }, 60_000);
  afterEach(() => faults.clear());
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  const dispatcherWrite = (table: 'NotificationChannel' | 'AlertRule', command?: RegExp) => (call: AwsCall) =>
    call.functionName === 'alert-dispatcher' &&
    isDynamoWrite(call) &&
    (command === undefined || command.test(call.command)) &&
    (call.input as { TableName?: string }).TableName === platform.resources.tables[table];

  async function webhook(path: string): Promise<string> {
    const res = await tenant.api.post('/v1/notification-channels', { name: `hook ${path}`, channel_type: 'webhook', config: { url: `${receiver.url}${path}` } });
    expect(res.status).toBe(201);
    return res.body.channel_id;
  }

  async function failureRule(flow_name: string, channel_ids: string[]): Promise<string> {
    const res = await tenant.api.post('/v1/alert-rules', { name: `fails of ${flow_name}`, condition: 'run_failed', filters: { flow_name }, channel_ids, throttle_minutes: 60 });
    expect(res.status).toBe(201);
    return res.body.rule_id;
  }

  /** "Run Status Changed" for a FAILED run, as the bus hands it to the dispatcher (and as a retry would again). */
  const failed = (flow_name: string, run_id: string) => ({
    source: EMITTED_EVENTS.runStatusChanged.source,
    'detail-type': EMITTED_EVENTS.runStatusChanged.detailType,
    detail: {
      org_id: tenant.org_id,
      run_id,
      run_slug: run_id,
      flow_name,
      flow_version: '1.0.0',
      deployment_name: null,
      executor: 'lambda',
      status: 'FAILED',
      previous_status: 'RUNNING',
      trigger_type: 'manual',
      started_at: new Date(clock.nowMs() - 5_000).toISOString(),
      completed_at: new Date(clock.nowMs()).toISOString(),
      error_message: 'boom',
      cost_usd: null,
    },
  });
  const dispatch = async (event: unknown) => (await platform.invoke('alert-dispatcher', event)) as DispatchReport;
  const tick = () => dispatch({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
  const markOf = async (ruleId: string, runId: string) =>
    (await ddb.send(new GetCommand({ TableName: platform.resources.tables.AlertRule, Key: { org_id: tenant.org_id, rule_id: `fired#${ruleId}#${runId}` }, ConsistentRead: true }))).Item;

  it('a failure after the claim gives it up: the retried event sends the alert once, a later retry sends nothing, the throttle holds', async () => {
    const channel = await webhook('/released');
    const ruleId = await failureRule('released', [channel]);
    // The first delivery record the dispatcher writes fails: the claim is taken, nothing sent yet.
    const fault = faults.add({ match: dispatcherWrite('NotificationChannel'), rate: 1, times: 1, error: throttleError });
    await expect(dispatch(failed('released', 'run_a1'))).rejects.toThrow(/throughput/);
    expect(fault.failed).toHaveLength(1);
    expect(receiver.on('/released')).toHaveLength(0);
    expect(await markOf(ruleId, 'run_a1')).toMatchObject({ status: 'PENDING', claim_expires_epoch: 0 });

    const retried = await dispatch(failed('released', 'run_a1'));
    expect(retried.fired).toEqual([{ rule_id: ruleId, run_id: 'run_a1', deliveries: 1, resumed: true }]);
    expect(receiver.on('/released')).toHaveLength(1);
    expect(JSON.parse(receiver.on('/released')[0]!.body)).toMatchObject({ rule: { rule_id: ruleId }, run: { run_id: 'run_a1', status: 'FAILED' } });
    const mark = await markOf(ruleId, 'run_a1');
    expect(mark).toMatchObject({ status: 'DELIVERED' });
    expect(mark).not.toHaveProperty('sla_shard');

    expect(await dispatch(failed('released', 'run_a1'))).toEqual({ fired: [], suppressed: 1 });
    // Another failed run inside the 60-minute window the first claim took: throttled.
    expect(await dispatch(failed('released', 'run_a2'))).toEqual({ fired: [], suppressed: 1 });
    expect(receiver.on('/released')).toHaveLength(1);
    const deliveries = await tenant.api.get(`/v1/notification-channels/${channel}/deliveries`);
    expect(deliveries.body.items).toEqual([expect.objectContaining({ status: 'SUCCEEDED', run_id: 'run_a1', rule_id: ruleId })]);
  }, 30_000);

  it('a dispatcher that dies holding the claim: retries wait while it is live, the tick resumes it once expired, each channel gets the alert once', async () => {
    const first = await webhook('/died-1');
    const second = await webhook('/died-2');
    const ruleId = await failureRule('died', [first, second]);
    // One channel's delivery record fails; giving the claim up fails too (as if the process died).
    faults.add({ match: dispatcherWrite('NotificationChannel', /^Put/), rate: 1, times: 1, error: throttleError });
    const releasing = (call: AwsCall) => dispatcherWrite('AlertRule', /^Update/)(call) && /claim_expires_epoch = :zero/.test(String((call.input as { UpdateExpression?: string }).UpdateExpression));
    const release = faults.add({ match: releasing, rate: 1, times: 1, error: throttleError });
    await expect(dispatch(failed('died', 'run_b1'))).rejects.toThrow(/throughput/);
    expect(release.failed).toHaveLength(1);
    // The other channel was sent and recorded before the failure surfaced.
    expect(receiver.on('/died-1').length + receiver.on('/died-2').length).toBe(1);
    expect(await markOf(ruleId, 'run_b1')).toMatchObject({ status: 'PENDING', claim_expires_epoch: Math.floor(clock.nowMs() / 1000) + FIRING_CLAIM_SECONDS });

    // While the claim is live, neither a retry of the event nor the tick joins in.
    expect(await dispatch(failed('died', 'run_b1'))).toEqual({ fired: [], suppressed: 1 });
    expect((await tick()).fired).toEqual([]);

    clock.advance((FIRING_CLAIM_SECONDS + 1) * 1000);
    const resumed = await tick();
    expect(resumed.fired).toEqual([{ rule_id: ruleId, run_id: 'run_b1', deliveries: 1, resumed: true }]);
    expect(receiver.on('/died-1')).toHaveLength(1);
    expect(receiver.on('/died-2')).toHaveLength(1);
    expect(await markOf(ruleId, 'run_b1')).toMatchObject({ status: 'DELIVERED' });

    expect((await tick()).fired).toEqual([]);
    expect(await dispatch(failed('died', 'run_b1'))).toEqual({ fired: [], suppressed: 1 });
    expect(receiver.on('/died-1')).toHaveLength(1);
    expect(receiver.on('/died-2')).toHaveLength(1);
  }, 30_000);
});
