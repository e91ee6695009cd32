// The message an alert sends: what happened to which run, in a JSON payload (webhook, sns) and a
// line of text (slack, email subject and body).

export interface AlertRunFacts {
  run_id: string;
  run_slug: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  environment: string | null;
  status: string;
  started_at: string | null;
  completed_at: string | null;
  duration_seconds: number | null;
  error_message: string | null;
  failed_task: { task_name: string; error_message: string | null } | null;
}

export interface AlertMessage {
  subject: string;
  text: string;
  payload: Record<string, unknown>;
}

export function runLinkPath(runId: string): string {
  return `/runs/${runId}`;
}

const duration = (s: number | null) => (s === null ? '' : ` after ${s}s`);

export function alertMessage(input: {
  org_id: string;
  rule: { rule_id: string; name: string; condition: string } | null;
  run: AlertRunFacts;
  /** What the rule saw, e.g. "3 consecutive failures" or "running longer than 600s". */
  reason: string;
  occurred_at: string;
}): AlertMessage {
  const { run } = input;
  const task = run.failed_task === null ? '' : `; task ${run.failed_task.task_name} failed: ${run.failed_task.error_message ?? 'no error message'}`;
  const subject = `[Dagy] ${run.flow_name} run ${run.run_slug} ${run.status}${input.rule === null ? '' : ` (${input.rule.name})`}`;
  const text = `Run ${run.run_slug} (${run.run_id}) of flow ${run.flow_name} ${run.flow_version} is ${run.status}${duration(run.duration_seconds)}: ${input.reason}${task}. ${runLinkPath(run.run_id)}`;
  return {
    subject,
    text,
    payload: {
      type: 'dagy.alert',
      org_id: input.org_id,
      rule: input.rule,
      reason: input.reason,
      run: run,
      link_path: runLinkPath(run.run_id),
      occurred_at: input.occurred_at,
      text,
    },
  };
}

/** What a budget_threshold rule saw: the organization's period, its spend and its budget. */
export interface AlertBudgetFacts {
  period: string;
  spent_usd: number;
  monthly_budget_usd: number;
  threshold_percent: number;
  /** spent_usd as a percent of monthly_budget_usd. */
  percent_spent: number;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The message of a budget_threshold alert (no run: the organization's period as a whole). */
export function budgetAlertMessage(input: { org_id: string; rule: { rule_id: string; name: string; condition: string }; budget: AlertBudgetFacts; occurred_at: string }): AlertMessage {
  const { budget: b } = input;
  const reason = `${b.percent_spent.toFixed(1)}% of the monthly budget spent in ${b.period} (threshold ${b.threshold_percent}%)`;
  const subject = `[Dagy] ${b.threshold_percent}% of the ${b.period} budget reached (${input.rule.name})`;
  const text = `Period ${b.period}: ${usd(b.spent_usd)} of modelled cost spent of a ${usd(b.monthly_budget_usd)} monthly budget (${b.percent_spent.toFixed(1)}%, threshold ${b.threshold_percent}%). New runs are refused once the budget is spent.`;
  return {
    subject,
    text,
    payload: { type: 'dagy.alert', org_id: input.org_id, rule: input.rule, reason, budget: b, occurred_at: input.occurred_at, text },
  };
}
