import { pastDueBeyondGrace } from '../../../lambdas/billing/admission';
import { effectiveLimits, isPlanName, PAST_DUE_GRACE_SECONDS, PLAN_NAMES, PLANS } from '../../../lambdas/billing/plans';
import { periodOf } from '../../../lambdas/billing/run-quota';
import type { SubscriptionRecord } from '../../../lambdas/billing/subscription-repository';

const subscription = (over: Partial<SubscriptionRecord>): SubscriptionRecord => ({
  org_id: 'o1',
  plan: 'team',
  status: 'active',
  past_due_since: null,
  monthly_budget_usd: null,
  version: 1,
  created_at: null,
  updated_at: null,
  leases: [],
  deployment_leases: [],
  ...over,
});

describe('plans', () => {
  test('every plan has every limit; bigger plans never allow less', () => {
    const order = (v: number | null) => (v === null ? Number.POSITIVE_INFINITY : v);
    for (let i = 1; i < PLAN_NAMES.length; i++) {
      const smaller = PLANS[PLAN_NAMES[i - 1]!];
      const bigger = PLANS[PLAN_NAMES[i]!];
      for (const key of Object.keys(smaller) as Array<keyof typeof smaller>) {
        expect([key, order(bigger[key]) >= order(smaller[key])]).toEqual([key, true]);
      }
    }
    for (const plan of PLAN_NAMES) expect(PLANS[plan].concurrent_runs).toBeGreaterThan(0);
  });

  test('a cancelled subscription has the free limits; plan names are checked exactly', () => {
    expect(effectiveLimits({ plan: 'enterprise', status: 'cancelled' })).toBe(PLANS.free);
    expect(effectiveLimits({ plan: 'enterprise', status: 'past_due' })).toBe(PLANS.enterprise);
    expect(isPlanName('team')).toBe(true);
    expect(isPlanName('Team')).toBe(false);
    expect(isPlanName(undefined)).toBe(false);
  });

  test('past due blocks only after the grace period (and without a valid start, at once)', () => {
    const since = Date.parse('2026-03-01T00:00:00Z');
    const pastDue = subscription({ status: 'past_due', past_due_since: new Date(since).toISOString() });
    expect(pastDueBeyondGrace(pastDue, since + PAST_DUE_GRACE_SECONDS * 1000)).toBe(false);
    expect(pastDueBeyondGrace(pastDue, since + PAST_DUE_GRACE_SECONDS * 1000 + 1)).toBe(true);
    expect(pastDueBeyondGrace(subscription({ status: 'active', past_due_since: '2000-01-01T00:00:00Z' }), since)).toBe(false);
    expect(pastDueBeyondGrace(subscription({ status: 'past_due', past_due_since: null }), since)).toBe(true);
  });

  test('the quota period is the UTC calendar month', () => {
    expect(periodOf(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
    expect(periodOf(Date.parse('2027-01-01T00:00:00Z'))).toBe('2027-01');
  });
});
