// Concurrent adds at the edge of a plan cap on the local platform: the guard written with each
// new item (lambdas/billing/limit-guard.ts) lets exactly the cap through, however the requests
// interleave; the others get the one 402 shape, and nothing of theirs is written.
import { PLANS } from '../../../lambdas/billing/plans';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform, type ApiResult } from '../../support/platform';
import { auditRecords } from '../../support/tables';
import { registerFlow } from '../execution/executors-support';

describe('plan caps under concurrent adds', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  /** Exactly `room` created (201), the rest 402 plan_limit_exceeded naming `resource`. */
  function expectCapHeld(results: ApiResult[], room: number, resource: string, limit: number): void {
    expect(results.map((r) => r.status).sort()).toEqual([...Array<number>(room).fill(201), ...Array<number>(results.length - room).fill(402)]);
    for (const r of results.filter((x) => x.status === 402)) {
      expect(r.body).toEqual({ error: { code: 'plan_limit_exceeded', message: expect.any(String), details: [{ path: resource, message: `limit ${limit} reached` }] } });
    }
  }

  it('schedules and sensors: 4 creates at once with room for 2, exactly 2 created, one audit record each', async () => {
    const tenant = await signUpTenant(platform.url, 'caps');
    const flow = await registerFlow(tenant.api, { tasks: [{ name: 'step' }] }, 'caps');
    const schedule = () => tenant.api.post('/v1/schedules', { ...flow, mode: 'interval', interval_seconds: 3600, enabled: false });
    const sensor = (i: number) => tenant.api.post('/v1/sensors', { name: `hook-${i}`, sensor_type: 'webhook', ...flow, config: {} });
    const schedulesCap = PLANS.free.schedules!;
    const sensorsCap = PLANS.free.sensors!;
    // Up to two below each cap one by one (no race yet), then the race for the last two places.
    for (let i = 0; i < schedulesCap - 2; i++) expect((await schedule()).status).toBe(201);
    for (let i = 0; i < sensorsCap - 2; i++) expect((await sensor(i)).status).toBe(201);

    const schedules = await Promise.all([0, 1, 2, 3].map(() => schedule()));
    expectCapHeld(schedules, 2, 'schedules', schedulesCap);
    expect((await tenant.api.get('/v1/schedules?limit=100')).body.items).toHaveLength(schedulesCap);
    const sensors = await Promise.all([0, 1, 2, 3].map((i) => sensor(100 + i)));
    expectCapHeld(sensors, 2, 'sensors', sensorsCap);
    expect((await tenant.api.get('/v1/sensors?limit=100')).body.items).toHaveLength(sensorsCap);

    const audits = (await auditRecords(platform, tenant.org_id)).filter((a) => a.action === 'create');
    expect(audits.filter((a) => a.resource_type === 'schedule')).toHaveLength(schedulesCap);
    expect(audits.filter((a) => a.resource_type === 'sensor')).toHaveLength(sensorsCap);

    // A delete makes room for exactly one more.
    const first = schedules.find((r) => r.status === 201)!.body.schedule_id as string;
    expect((await tenant.api.delete(`/v1/schedules/${first}`)).status).toBe(204);
    expectCapHeld(await Promise.all([0, 1, 2].map(() => schedule())), 1, 'schedules', schedulesCap);
  }, 60_000);

  it('members: room + 2 invitations accepted at once, exactly the room joins', async () => {
    const owner: TestTenant = await signUpTenant(platform.url, 'caps-owner');
    const cap = PLANS.free.members!;
    const room = cap - 1; // the owner is a member
    const users = await Promise.all(Array.from({ length: room + 2 }, (_, i) => signUpTenant(platform.url, `caps-user${i}`)));
    // Each invitation passes the early check (one member so far); accepting is what adds.
    const invitations: string[] = [];
    for (const user of users) {
      const invited = await owner.api.post('/v1/members', { email: user.email, role: 'viewer' });
      expect(invited.status).toBe(201);
      invitations.push(invited.body.accept_path);
    }
    const accepted = await Promise.all(users.map((user, i) => user.api.post(invitations[i]!)));
    expectCapHeld(accepted, room, 'members', cap);
    expect((await owner.api.get('/v1/members?limit=100')).body.items).toHaveLength(cap);
  }, 90_000);
});
