import { promotedDeploymentName, scheduleIssues } from '../../../lambdas/flows/deployment-service';

describe('deployment rules', () => {
  it('names the promoted deployment after its base and the target environment', () => {
    expect(promotedDeploymentName('etl-staging', 'staging', 'production')).toBe('etl-production');
    expect(promotedDeploymentName('etl', 'dev', 'staging')).toBe('etl-staging');
    expect(promotedDeploymentName('etl-dev-extra', 'dev', 'staging')).toBe('etl-dev-extra-staging');
    expect(promotedDeploymentName('-dev', 'dev', 'staging')).toBe('-dev-staging');
  });

  it('accepts 5-field cron schedules (or none) and reports others at `schedule`', () => {
    expect(scheduleIssues(undefined)).toEqual([]);
    expect(scheduleIssues(null)).toEqual([]);
    expect(scheduleIssues('*/15 2-4 * * 1-5')).toEqual([]);
    for (const bad of ['', '* * * *', '0 0 * * * *', '60 * * * *', 'daily']) {
      const issues = scheduleIssues(bad);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.every((i) => i.path === 'schedule')).toBe(true);
    }
  });
});
