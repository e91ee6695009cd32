// An AlertRule as the alerts code sees it; keys live in rule-repository.ts only.

export const ALERT_CONDITIONS = ['run_failed', 'run_succeeded', 'run_cancelled', 'run_duration_exceeded', 'consecutive_failures', 'budget_threshold'] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

/** consecutive_failures counts the runs of one flow, or of one deployment. */
export const STREAK_SCOPES = ['flow', 'deployment'] as const;
export type StreakScope = (typeof STREAK_SCOPES)[number];

export interface RuleFilters {
  flow_name?: string;
  deployment_name?: string;
  environment?: string;
  /** Every pair must be on the run's deployment (or, without one, its flow version). */
  tags?: Record<string, string>;
}

export interface RuleRecord {
  org_id: string;
  rule_id: string;
  name: string;
  condition: AlertCondition;
  /** run_duration_exceeded: the SLA. */
  sla_seconds: number | null;
  /** consecutive_failures: N. */
  threshold: number | null;
  /** consecutive_failures: per flow or per deployment. */
  scope: StreakScope | null;
  /** budget_threshold: alert once the period's cost reaches this percent of the monthly budget. */
  threshold_percent: number | null;
  filters: RuleFilters;
  channel_ids: string[];
  /** At most one alert per this many minutes (0: no throttle). */
  throttle_minutes: number;
  enabled: boolean;
  last_fired_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export function ruleView(r: RuleRecord): Record<string, unknown> {
  return { ...r };
}
