// Clients' Idempotency-Keys on the local platform: their own namespace (a key spelled like a
// schedule slot's internal key does not stop the slot from firing) and bound to their request
// (the same key with another body is a 409 and starts nothing).
import { ManualClock } from '../../../lambdas/shared/clock';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { listRuns, recordExecutions, registerFlow } from '../scheduling/api-support';
import { epoch } from '../scheduling/support';

// After the real time: DynamoDB Local's TTL sweeper deletes records whose expiry is in the real past.
const START = epoch('2030-03-08T12:00:00Z');

describe('client Idempotency-Keys', () => {
  let platform: Platform;
  let alice: TestTenant;
  let started: unknown[];
  const clock = new ManualClock(START * 1000);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
    started = recordExecutions(platform);
    alice = await signUpTenant(platform.url, 'alice');
    await registerFlow(alice);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const body = { flow_name: 'etl', flow_version: '1.0.0', parameters: { day: '2030-03-08' } };

  it("a client key spelled like a schedule slot's internal key does not pre-claim the slot", async () => {
    const made = await alice.api.post('/v1/schedules', { schedule_id: 'at-13', flow_name: 'etl', flow_version: '1.0.0', mode: 'cron', cron_expression: '0 13 * * *' });
    expect(made.status).toBe(201);
    const slot = START + 3600;
    // The evaluator's key for the slot (lambdas/scheduling/evaluator.ts): schedule:<id>:<epoch>.
    const squat = await alice.api.post('/v1/runs', body, { 'idempotency-key': `schedule:at-13:${slot}` });
    expect(squat.status).toBe(202);

    clock.set((slot + 1) * 1000);
    await platform.invoke('schedule-evaluator', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const fired = (await listRuns(alice)).filter((r) => r.trigger.id === 'at-13');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ trigger: { type: 'schedule', id: 'at-13', slot: '2030-03-08T13:00:00Z' } });
    expect(fired[0]!.run_id).not.toBe(squat.body.run_id);
    // The client's key still answers with the client's run.
    const again = await alice.api.post('/v1/runs', body, { 'idempotency-key': `schedule:at-13:${slot}` });
    expect(again.body.run_id).toBe(squat.body.run_id);
  });

  it('the same key with the same body returns the original run; with another body 409 and nothing started', async () => {
    const headers = { 'idempotency-key': 'order-7' };
    const first = await alice.api.post('/v1/runs', body, headers);
    expect(first.status).toBe(202);
    // Same body, keys in another order: the canonical body is what counts.
    const same = await alice.api.post('/v1/runs', { parameters: { day: '2030-03-08' }, flow_version: '1.0.0', flow_name: 'etl' }, headers);
    expect(same.status).toBe(202);
    expect(same.headers.get('idempotency-replayed')).toBe('true');
    expect(same.body.run_id).toBe(first.body.run_id);

    const runsBefore = (await listRuns(alice)).length;
    const executionsBefore = started.length;
    const reused = await alice.api.post('/v1/runs', { ...body, parameters: { day: '2030-03-09' } }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ code: 'idempotency_key_reused', message: expect.stringContaining('Idempotency-Key') });
    const otherExecutor = await alice.api.post('/v1/runs', { ...body, executor: 'ecs' }, headers);
    expect(otherExecutor.status).toBe(409);
    expect((await listRuns(alice)).length).toBe(runsBefore);
    expect(started.length).toBe(executionsBefore);
  });

  it('concurrent requests with one key and different bodies: one run, the others 409 or the same run', async () => {
    const headers = { 'idempotency-key': 'race-bodies' };
    const results = await Promise.all(
      ['2030-03-10', '2030-03-11', '2030-03-12', '2030-03-10'].map((day) => alice.api.post('/v1/runs', { ...body, parameters: { day } }, headers)),
    );
    const created = results.filter((r) => r.status === 202 && r.headers.get('idempotency-replayed') === null);
    expect(created).toHaveLength(1);
    const winnerDay = created[0]!.body.parameters.day;
    results.forEach((r, i) => {
      const day = ['2030-03-10', '2030-03-11', '2030-03-12', '2030-03-10'][i];
      if (day === winnerDay) expect(r.body.run_id).toBe(created[0]!.body.run_id);
      else expect(r.status).toBe(409);
    });
    expect((await listRuns(alice)).filter((r) => r.parameters.day !== undefined && ['2030-03-10', '2030-03-11', '2030-03-12'].includes(String(r.parameters.day)))).toHaveLength(1);
  });
});
