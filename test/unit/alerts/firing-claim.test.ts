import { FIRING_CLAIM_SECONDS, subjectOf, budgetFiringSubject } from '../../../lambdas/alerts/firing-repository';
import { FUNCTIONS } from '../../../lambdas/catalogue';

describe('firing claims', () => {
  it("outlast one alert-dispatcher invocation: a live sender's claim is never taken over", () => {
    expect(FIRING_CLAIM_SECONDS).toBeGreaterThan(FUNCTIONS['alert-dispatcher'].timeoutSeconds);
  });

  it('a mark subject names a run or a budget period', () => {
    expect(subjectOf('run_123')).toEqual({ run_id: 'run_123' });
    expect(subjectOf(budgetFiringSubject('2026-11'))).toEqual({ run_id: null, period: '2026-11' });
  });
});
