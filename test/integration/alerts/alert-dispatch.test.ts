import { createHmac } from 'node:crypto';
import { verifyWebhookSignature } from '../../../lambdas/identity/webhook-signature';
import type { Platform } from '../../../local/platform';
import { readOutbox } from '../../../local/notifications-outbox';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { registerFlow, startRun, testArtifact, waitForRun } from '../execution/executors-support';
import { startReceiver, type Receiver } from './receiver';

// Alerts end to end on the local platform: runs finish, "Run Status Changed" reaches the
// alert-dispatcher through the local bus (the events catalogue's pattern), rules fire, and the
// deliveries land on a local HTTP receiver (webhook), the local SES outbox (email), and are
// recorded with their attempts.
describe('alert dispatch', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startTestPlatform({ allowLoopbackEgress: true });
    tenant = await signUpTenant(platform.url, 'alerts');
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  async function webhook(path: string): Promise<{ channel_id: string; signing_secret: string }> {
    const res = await tenant.api.post('/v1/notification-channels', { name: `hook ${path}`, channel_type: 'webhook', config: { url: `${receiver.url}${path}` } });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function rule(body: Record<string, unknown>): Promise<{ rule_id: string }> {
    const res = await tenant.api.post('/v1/alert-rules', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Runs a flow to its end and waits until the dispatcher has handled its final status event. */
  async function runToEnd(flow_name: string, parameters: Record<string, unknown>): Promise<string> {
    const run = await startRun(tenant.api, { flow_name, flow_version: '1.0.0', executor: 'lambda', parameters });
    const done = await waitForRun(tenant.api, run.run_id);
    for (let i = 0; i < 200; i++) {
      const seen = platform.bus.delivered.some(
        ({ event }) => event['detail-type'] === 'Run Status Changed' && (event.detail as { run_id: string; status: string }).run_id === run.run_id && (event.detail as { status: string }).status === done.status,
      );
      if (seen) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await platform.bus.drain();
    return run.run_id;
  }

  it('a failing run sends exactly one signed webhook alert naming the run, and the throttle holds back the next within its window', async () => {
    const { flow_name } = await registerFlow(tenant.api, { tasks: [{ name: 'step', handler: 'failIf' }] }, 'alerting');
    const hook = await webhook('/failed');
    const created = await rule({ name: 'failures', condition: 'run_failed', filters: { flow_name }, channel_ids: [hook.channel_id], throttle_minutes: 60 });

    const runId = await runToEnd(flow_name, { fail: true });
    const alerts = receiver.on('/failed');
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    const verdict = verifyWebhookSignature({
      secret: hook.signing_secret,
      timestampHeader: alert!.headers['x-dagy-timestamp'],
      signatureHeader: alert!.headers['x-dagy-signature'],
      rawBody: alert!.body,
      nowEpochSeconds: Math.floor(Date.now() / 1000),
    });
    expect(verdict.ok).toBe(true);
    // And by hand, as a receiver would: hex HMAC-SHA256 of "<timestamp>.<body>" with the secret.
    const expected = createHmac('sha256', hook.signing_secret).update(`${alert!.headers['x-dagy-timestamp']}.${alert!.body}`).digest('hex');
    expect(alert!.headers['x-dagy-signature']).toBe(`sha256=${expected}`);
    // A tampered body does not verify with the same headers.
    expect(verifyWebhookSignature({ secret: hook.signing_secret, timestampHeader: alert!.headers['x-dagy-timestamp'], signatureHeader: alert!.headers['x-dagy-signature'], rawBody: alert!.body + ' ', nowEpochSeconds: Math.floor(Date.now() / 1000) }).ok).toBe(false);
    const payload = JSON.parse(alert!.body);
    expect(payload).toMatchObject({
      type: 'dagy.alert',
      rule: { rule_id: created.rule_id, condition: 'run_failed' },
      link_path: `/runs/${runId}`,
      run: { run_id: runId, flow_name, status: 'FAILED', failed_task: { task_name: 'step' } },
    });
    expect(payload.run.failed_task.error_message).toContain('asked to fail');
    expect(typeof payload.run.duration_seconds).toBe('number');
    expect(payload.text).toContain(`/runs/${runId}`);

    // The delivery is recorded, and the rule remembers when it fired.
    const deliveries = await tenant.api.get(`/v1/notification-channels/${hook.channel_id}/deliveries`);
    expect(deliveries.body.items).toEqual([expect.objectContaining({ status: 'SUCCEEDED', attempts: 1, run_id: runId, rule_id: created.rule_id, response_status: 200, last_error: null })]);
    expect((await tenant.api.get(`/v1/alert-rules/${created.rule_id}`)).body.last_fired_at).toEqual(expect.any(String));

    // A second failure inside the 60-minute window: handled, but throttled.
    await runToEnd(flow_name, { fail: true });
    expect(receiver.on('/failed')).toHaveLength(1);
    expect((await tenant.api.get(`/v1/notification-channels/${hook.channel_id}/deliveries`)).body.items).toHaveLength(1);
  }, 60_000);

  it('consecutive_failures fires on the Nth failure in a row only, and a success starts the count again', async () => {
    const { flow_name } = await registerFlow(tenant.api, { tasks: [{ name: 'step', handler: 'failIf' }] }, 'streak');
    const hook = await webhook('/streak');
    await rule({ name: 'two in a row', condition: 'consecutive_failures', threshold: 2, filters: { flow_name }, channel_ids: [hook.channel_id] });
    const counts: number[] = [];
    for (const fail of [true, true, true, false, true, true]) {
      await runToEnd(flow_name, { fail });
      counts.push(receiver.on('/streak').length);
    }
    expect(counts).toEqual([0, 1, 1, 1, 1, 2]);
    expect(JSON.parse(receiver.on('/streak')[1]!.body).reason).toContain('2 consecutive failures');
  }, 90_000);

  it("filters: a tags filter matches the flow version's tags, an environment filter a run's environment", async () => {
    const register = async (flow_name: string, team: string) => {
      const res = await tenant.api.post('/v1/flows', {
        flow_name,
        flow_version: '1.0.0',
        tags: { team },
        flow_spec: { tasks: [{ name: 'step', type: 'code', handler: 'tasks/lib.mjs:failIf' }] },
        artifact: { zip_base64: testArtifact() },
      });
      expect(res.status).toBe(201);
    };
    const suffix = Date.now().toString(36);
    await register(`data-${suffix}`, 'data');
    await register(`web-${suffix}`, 'web');
    const hook = await webhook('/tagged');
    await rule({ name: 'data team', condition: 'run_failed', filters: { tags: { team: 'data' } }, channel_ids: [hook.channel_id] });
    await rule({ name: 'prod only', condition: 'run_failed', filters: { environment: 'production', tags: { team: 'data' } }, channel_ids: [hook.channel_id] });
    const dataRun = await runToEnd(`data-${suffix}`, { fail: true });
    await runToEnd(`web-${suffix}`, { fail: true });
    // One alert: the data team's run, from the tags rule; runs of a bare flow version have no environment.
    expect(receiver.on('/tagged').map((r) => JSON.parse(r.body)).map((p) => [p.rule.name, p.run.run_id])).toEqual([['data team', dataRun]]);
  }, 60_000);

  it('run_duration_exceeded fires for a run still RUNNING past its SLA, once', async () => {
    const { flow_name } = await registerFlow(tenant.api, { tasks: [{ name: 'nap', handler: 'sleepy' }] }, 'slow');
    const hook = await webhook('/sla');
    const sla = await rule({ name: 'slow runs', condition: 'run_duration_exceeded', sla_seconds: 1, filters: { flow_name }, channel_ids: [hook.channel_id] });
    const run = await startRun(tenant.api, { flow_name, flow_version: '1.0.0', executor: 'lambda', parameters: { ms: 5000 } });
    await waitForRun(tenant.api, run.run_id, (r) => r.status === 'RUNNING');
    // Not yet past the SLA: the tick finds nothing to say.
    const early = (await platform.invoke('alert-dispatcher', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as { fired: unknown[] };
    expect(early.fired).toEqual([]);
    await new Promise((r) => setTimeout(r, 2200));
    const tick = (await platform.invoke('alert-dispatcher', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as { fired: Array<{ rule_id: string; run_id: string }> };
    expect(tick.fired).toEqual([expect.objectContaining({ rule_id: sla.rule_id, run_id: run.run_id })]);
    expect(receiver.on('/sla')).toHaveLength(1);
    const payload = JSON.parse(receiver.on('/sla')[0]!.body);
    expect(payload.run).toMatchObject({ run_id: run.run_id, status: 'RUNNING' });
    expect(payload.reason).toMatch(/still running after \d+s \(SLA 1s\)/);
    // The next tick does not repeat it for the same run.
    const again = (await platform.invoke('alert-dispatcher', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as { fired: unknown[]; suppressed: number };
    expect(again.fired).toEqual([]);
    expect(receiver.on('/sla')).toHaveLength(1);
    await waitForRun(tenant.api, run.run_id);
    await platform.bus.drain();
  }, 60_000);

  it('a receiver that fails twice then succeeds: one delivery recorded with 3 attempts', async () => {
    const hook = await webhook('/flaky');
    receiver.answer('/flaky', [500, 503]);
    const res = await tenant.api.post(`/v1/notification-channels/${hook.channel_id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'SUCCEEDED', attempts: 3, response_status: 200, last_error: null, event: 'test' });
    expect(receiver.on('/flaky')).toHaveLength(3);
    const listed = await tenant.api.get(`/v1/notification-channels/${hook.channel_id}/deliveries`);
    expect(listed.body.items).toEqual([expect.objectContaining({ delivery_id: res.body.delivery_id, status: 'SUCCEEDED', attempts: 3, completed_at: expect.any(String) })]);
  }, 30_000);

  it('a receiver that refuses (4xx) is not retried: FAILED after one attempt, with the status as the error', async () => {
    const hook = await webhook('/gone');
    receiver.answer('/gone', [404]);
    const res = await tenant.api.post(`/v1/notification-channels/${hook.channel_id}/test`);
    expect(res.body).toMatchObject({ status: 'FAILED', attempts: 1, response_status: 404, last_error: 'receiver answered 404' });
  });

  it('email: a succeeded run on a run_succeeded rule is recorded in the local SES outbox', async () => {
    const { flow_name } = await registerFlow(tenant.api, { tasks: [{ name: 'step', handler: 'failIf' }] }, 'mailed');
    const mail = await tenant.api.post('/v1/notification-channels', { name: 'ops mail', channel_type: 'email', config: { to: ['ops@example.com'] } });
    expect(mail.status).toBe(201);
    await rule({ name: 'done', condition: 'run_succeeded', filters: { flow_name }, channel_ids: [mail.body.channel_id] });
    const before = readOutbox(platform.dataDir, 'email').length;
    const runId = await runToEnd(flow_name, {});
    const sent = readOutbox(platform.dataDir, 'email').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: ['ops@example.com'], from: 'alerts@dagy.local' });
    expect(sent[0]!.subject).toContain('SUCCEEDED');
    expect(sent[0]!.text).toContain(`/runs/${runId}`);
    const deliveries = await tenant.api.get(`/v1/notification-channels/${mail.body.channel_id}/deliveries`);
    expect(deliveries.body.items).toEqual([expect.objectContaining({ status: 'SUCCEEDED', attempts: 1, run_id: runId })]);
  }, 60_000);

  it('sns: a test message is published (recorded in the local SNS outbox)', async () => {
    const topic_arn = 'arn:aws:sns:us-east-1:123456789012:dagy-alerts-ops';
    const sns = await tenant.api.post('/v1/notification-channels', { name: 'ops topic', channel_type: 'sns', config: { topic_arn } });
    expect(sns.status).toBe(201);
    const res = await tenant.api.post(`/v1/notification-channels/${sns.body.channel_id}/test`);
    expect(res.body).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const published = readOutbox(platform.dataDir, 'sns');
    expect(published.at(-1)).toMatchObject({ topic_arn });
    expect(JSON.parse(published.at(-1)!.message)).toMatchObject({ type: 'dagy.alert', org_id: tenant.org_id });
  });
});
