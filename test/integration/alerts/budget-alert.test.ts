import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { Platform } from '../../../local/platform';
import { systemClock } from '../../../lambdas/shared/clock';
import { currentPeriod } from '../../../lambdas/usage/period';
import { UsageRepository } from '../../../lambdas/usage/usage-repository';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { startReceiver, type Receiver } from './receiver';

// budget_threshold end to end on the local platform: the period's cost (the cost_usd aggregate,
// moved by recorded usage events as the usage meter does) against the monthly budget set with
// PUT /v1/subscription, evaluated by the alert dispatcher's minute tick (invoked by hand), the
// alert delivered to a local webhook receiver once per period.
describe('budget_threshold alerts', () => {
  let platform: Platform;
  let owner: TestTenant;
  let other: TestTenant;
  let receiver: Receiver;
  let usage: UsageRepository;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startTestPlatform({ allowLoopbackEgress: true });
    [owner, other] = await Promise.all([signUpTenant(platform.url, 'budget'), signUpTenant(platform.url, 'nobudget')]);
    const ddb = DynamoDBDocumentClient.from(platform.dynamodb);
    usage = new UsageRepository({ ddb, eventsTable: platform.resources.tables.UsageEvent, aggregatesTable: platform.resources.tables.UsageAggregate, clock: systemClock });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  /** Adds modelled cost to the organization's current period, through the usage repository's ADD. */
  async function spend(t: TestTenant, usd: number): Promise<void> {
    const now = new Date().toISOString();
    const id = randomBytes(4).toString('hex');
    const counted = await usage.record({
      org_id: t.org_id,
      event_id: `test-cost:${id}`,
      event_time: now,
      period: now.slice(0, 7),
      event_type: 'task_attempt',
      resource_type: 'task_run',
      resource_id: `tr_${id}`,
      metrics: { cost_usd: usd },
      attributes: {},
    });
    expect(counted).toBe(true);
  }

  const tick = async () =>
    (await platform.invoke('alert-dispatcher', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as {
      fired: Array<{ rule_id: string; run_id: string | null; period?: string; deliveries: number }>;
      suppressed: number;
    };

  async function webhook(t: TestTenant, path: string): Promise<string> {
    const res = await t.api.post('/v1/notification-channels', { name: `hook ${path}`, channel_type: 'webhook', config: { url: `${receiver.url}${path}` } });
    expect(res.status).toBe(201);
    return res.body.channel_id;
  }

  it('bad threshold_percent (0, 150, missing, on another condition) or run filters: 400 with the field path, nothing written', async () => {
    const channel = await webhook(owner, '/bad');
    const base = { name: 'budget', condition: 'budget_threshold', channel_ids: [channel] };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, threshold_percent: 0 }, 'threshold_percent'],
      [{ ...base, threshold_percent: 150 }, 'threshold_percent'],
      [{ ...base, threshold_percent: -5 }, 'threshold_percent'],
      [{ ...base, threshold_percent: '80' }, 'threshold_percent'],
      [base, 'threshold_percent'],
      [{ ...base, condition: 'run_failed', threshold_percent: 80 }, 'threshold_percent'],
      [{ ...base, threshold_percent: 80, filters: { flow_name: 'etl' } }, 'filters'],
    ];
    for (const [body, path] of cases) {
      const res = await owner.api.post('/v1/alert-rules', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await owner.api.get('/v1/alert-rules')).body.items).toEqual([]);

    // A valid rule cannot be patched out of range either, and keeps its stored percent.
    const created = await owner.api.post('/v1/alert-rules', { ...base, threshold_percent: 50 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ condition: 'budget_threshold', threshold_percent: 50, sla_seconds: null, threshold: null, scope: null });
    const patched = await owner.api.patch(`/v1/alert-rules/${created.body.rule_id}`, { threshold_percent: 101 });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details.map((d: { path: string }) => d.path)).toContain('threshold_percent');
    expect((await owner.api.get(`/v1/alert-rules/${created.body.rule_id}`)).body).toMatchObject({ threshold_percent: 50, version: 1 });
    expect((await owner.api.delete(`/v1/alert-rules/${created.body.rule_id}`)).status).toBe(204);
  });

  it('a $1 budget at 80%: nothing below, exactly one webhook alert at 80%, none again in the same period', async () => {
    const period = currentPeriod(systemClock);
    const channel = await webhook(owner, '/budget');
    const created = await owner.api.post('/v1/alert-rules', { name: 'budget 80', condition: 'budget_threshold', threshold_percent: 80, channel_ids: [channel] });
    expect(created.status).toBe(201);
    const ruleId: string = created.body.rule_id;
    // The other organization spends far more but has no budget: nothing to warn about.
    const otherChannel = await webhook(other, '/nobudget');
    expect((await other.api.post('/v1/alert-rules', { name: 'budget 10', condition: 'budget_threshold', threshold_percent: 10, channel_ids: [otherChannel] })).status).toBe(201);
    await spend(other, 50);

    // Spend before a budget is set: the rule has nothing to compare with.
    await spend(owner, 0.5);
    expect((await tick()).fired).toEqual([]);
    const put = await owner.api.put('/v1/subscription', { plan: 'free', monthly_budget_usd: 1 });
    expect(put.status).toBe(200);

    // 50% of $1: below the threshold.
    expect((await tick()).fired).toEqual([]);
    expect(receiver.on('/budget')).toHaveLength(0);

    // 0.5 + 0.3 = exactly 80%: fires once, for this period.
    await spend(owner, 0.3);
    const fired = await tick();
    expect(fired.fired).toEqual([{ rule_id: ruleId, run_id: null, period, deliveries: 1 }]);
    const alerts = receiver.on('/budget');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.headers['x-dagy-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const payload = JSON.parse(alerts[0]!.body);
    expect(payload).toMatchObject({
      type: 'dagy.alert',
      org_id: owner.org_id,
      rule: { rule_id: ruleId, condition: 'budget_threshold' },
      budget: { period, spent_usd: 0.8, monthly_budget_usd: 1, threshold_percent: 80 },
    });
    expect(payload.budget.percent_spent).toBeCloseTo(80, 6);
    for (const part of [period, '$0.80', '$1.00', '80']) expect(payload.text).toContain(part);
    const deliveries = await owner.api.get(`/v1/notification-channels/${channel}/deliveries`);
    expect(deliveries.body.items).toEqual([expect.objectContaining({ status: 'SUCCEEDED', attempts: 1, rule_id: ruleId, run_id: null, event: 'budget_threshold' })]);
    expect((await owner.api.get(`/v1/alert-rules/${ruleId}`)).body.last_fired_at).toEqual(expect.any(String));

    // The next ticks of the same period, even over the whole budget, do not repeat it.
    const again = await tick();
    expect(again.fired).toEqual([]);
    expect(again.suppressed).toBe(1);
    await spend(owner, 0.5);
    expect((await tick()).fired).toEqual([]);
    expect(receiver.on('/budget')).toHaveLength(1);
    expect(receiver.on('/nobudget')).toHaveLength(0);

    // A disabled rule leaves the periodic index: the tick no longer even considers it.
    const disabled = await owner.api.patch(`/v1/alert-rules/${ruleId}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect((await tick()).suppressed).toBe(0);
  }, 60_000);
});
