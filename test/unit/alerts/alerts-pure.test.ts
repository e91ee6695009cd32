import { alertMessage, budgetAlertMessage, runLinkPath } from '../../../lambdas/alerts/alert-message';
import { CONFIG_SCHEMAS, maskUrl, publicConfig, urlCarriesCredential } from '../../../lambdas/alerts/channel-config';
import { backoffMs, DEFAULT_DELIVERY_POLICY, deliveryPolicyOf } from '../../../lambdas/alerts/delivery-policy';
import { ENV, FUNCTIONS, requiredEnvVars } from '../../../lambdas/catalogue';
import { ConfigError, loadFunctionConfig } from '../../../lambdas/shared/config';

describe('channel configuration', () => {
  it('treats every slack URL and a webhook URL with a query or userinfo as a credential', () => {
    expect(urlCarriesCredential('slack', 'https://hooks.slack.com/services/T/B/x')).toBe(true);
    expect(urlCarriesCredential('webhook', 'https://example.com/hook?token=abc')).toBe(true);
    expect(urlCarriesCredential('webhook', 'https://user:pw@example.com/hook')).toBe(true);
    expect(urlCarriesCredential('webhook', 'https://example.com/hook')).toBe(false);
  });

  it('masks the credential-bearing part and nothing sealed is ever shown', () => {
    expect(maskUrl('slack', 'https://hooks.slack.com/services/T/B/secret')).toBe('https://hooks.slack.com/***');
    expect(maskUrl('webhook', 'https://example.com/a/b?token=secret')).toBe('https://example.com/a/b?***');
    const sealed = { encrypted_value: 'gAAAA-secret', encrypted_data_key: 'key-secret' };
    const shown = publicConfig('webhook', { url_sealed: sealed, url_display: 'https://example.com/a?***', signing_secret_sealed: sealed });
    expect(shown).toEqual({ url: 'https://example.com/a?***', url_masked: true, signing_secret_set: true });
    expect(JSON.stringify(shown)).not.toContain('secret"');
  });

  it('accepts only SNS topics Dagy may publish to', () => {
    expect(CONFIG_SCHEMAS.sns.safeParse({ topic_arn: 'arn:aws:sns:eu-west-1:123456789012:dagy-alerts-ops' }).success).toBe(true);
    expect(CONFIG_SCHEMAS.sns.safeParse({ topic_arn: 'arn:aws:sns:eu-west-1:123456789012:billing' }).success).toBe(false);
    expect(CONFIG_SCHEMAS.sns.safeParse({ topic_arn: 'not-an-arn' }).success).toBe(false);
  });
});

describe('delivery policy', () => {
  const env = (extra: Record<string, string> = {}) => {
    const vars: Record<string, string> = { [ENV.localKeyFile]: '/tmp/key' };
    for (const v of requiredEnvVars(FUNCTIONS['alert-dispatcher'])) vars[v] = `value-of-${v}`;
    return loadFunctionConfig('alert-dispatcher', { ...vars, ...extra });
  };

  it('defaults to 3 attempts, waiting 1 s then 2 s', () => {
    const policy = deliveryPolicyOf(env());
    expect(policy).toEqual(DEFAULT_DELIVERY_POLICY);
    expect([2, 3].map((attempt) => backoffMs(policy, attempt))).toEqual([1000, 2000]);
  });

  it('reads its tunables once, and refuses nonsense rather than guessing', () => {
    expect(deliveryPolicyOf(env({ [ENV.alertDeliveryAttempts]: '5', [ENV.alertRetryBaseMs]: '10' }))).toMatchObject({ maxAttempts: 5, baseDelayMs: 10 });
    expect(() => deliveryPolicyOf(env({ [ENV.alertDeliveryAttempts]: '0' }))).toThrow(ConfigError);
    expect(() => deliveryPolicyOf(env({ [ENV.alertRetryBaseMs]: 'soon' }))).toThrow(/DAGY_ALERT_RETRY_BASE_MS/);
  });

  it('the dispatcher will not start without its sender address', () => {
    const vars: Record<string, string> = { [ENV.localKeyFile]: '/tmp/key' };
    for (const v of requiredEnvVars(FUNCTIONS['alert-dispatcher'])) vars[v] = `value-of-${v}`;
    delete vars[ENV.alertEmailFrom];
    expect(() => loadFunctionConfig('alert-dispatcher', vars)).toThrow(/DAGY_ALERT_EMAIL_FROM/);
  });
});

describe('alert message', () => {
  it('names the run, its flow, status, duration, the failed task and its error, and the link path', () => {
    const message = alertMessage({
      org_id: 'org_1',
      rule: { rule_id: 'alr_1', name: 'etl failures', condition: 'run_failed' },
      reason: 'run FAILED',
      occurred_at: '2026-11-30T00:00:00.000Z',
      run: {
        run_id: 'r-1',
        run_slug: 'brisk-falcon-0001',
        flow_name: 'etl',
        flow_version: '1.0.0',
        deployment_name: 'etl-prod',
        environment: 'production',
        status: 'FAILED',
        started_at: '2026-11-30T00:00:00.000Z',
        completed_at: '2026-11-30T00:00:42.000Z',
        duration_seconds: 42,
        error_message: 'task transform failed',
        failed_task: { task_name: 'transform', error_message: 'bad data' },
      },
    });
    expect(message.text).toBe('Run brisk-falcon-0001 (r-1) of flow etl 1.0.0 is FAILED after 42s: run FAILED; task transform failed: bad data. /runs/r-1');
    expect(message.subject).toBe('[Dagy] etl run brisk-falcon-0001 FAILED (etl failures)');
    expect(message.payload).toMatchObject({ link_path: runLinkPath('r-1'), run: { failed_task: { task_name: 'transform' }, duration_seconds: 42 } });
  });

  it('a budget alert names the period, the spend, the budget and the percents, and no run', () => {
    const message = budgetAlertMessage({
      org_id: 'org_1',
      rule: { rule_id: 'alr_2', name: 'budget 80', condition: 'budget_threshold' },
      budget: { period: '2026-11', spent_usd: 8.456, monthly_budget_usd: 10, threshold_percent: 80, percent_spent: 84.56 },
      occurred_at: '2026-11-30T00:00:00.000Z',
    });
    expect(message.subject).toBe('[Dagy] 80% of the 2026-11 budget reached (budget 80)');
    expect(message.text).toBe('Period 2026-11: $8.46 of modelled cost spent of a $10.00 monthly budget (84.6%, threshold 80%). New runs are refused once the budget is spent.');
    expect(message.payload).toMatchObject({ type: 'dagy.alert', reason: '84.6% of the monthly budget spent in 2026-11 (threshold 80%)', budget: { period: '2026-11', spent_usd: 8.456 } });
    expect(message.payload).not.toHaveProperty('run');
  });
});
