// The alert dispatcher: a finished run ("Run Status Changed") or the minute tick (SLA and budget)
// against the organization's alert rules. A matching rule fires at most once per run (a firing
// mark; budget_threshold: once per period) and at most once per throttle window (a conditional
// write on last_fired), then every enabled channel of the rule gets the message, each delivery
// retried and recorded by the notifier. The mark is written PENDING with the message before
// anything is sent and finished after (firing-repository.ts): a sender that dies in between is
// resumed by a retry of the event or by the next tick, and a finished alert is never sent again.
import type { RunStatusChangedDetail } from '../execution/run-events';
import type { RunRecord, RunRepository } from '../execution/run-repository';
import type { TaskRunRepository } from '../execution/task-run-repository';
import type { DeploymentRepository } from '../flows/deployment-repository';
import type { FlowRepository } from '../flows/flow-repository';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { decodeCursor } from '../shared/http/pagination';
import type { Logger } from '../shared/logger';
import type { BudgetStatus } from '../usage/budget';
import { alertMessage, budgetAlertMessage, type AlertRunFacts } from './alert-message';
import type { ChannelRepository } from './channel-repository';
import { budgetFiringSubject, PENDING_SHARDS, PERIOD_MARK_SECONDS, subjectOf, type FiringClaim, type FiringRepository } from './firing-repository';
import type { Notifier } from './notifier';
import type { AlertCondition, RuleRecord } from './rule-record';
import { SLA_SHARDS, type RuleRepository } from './rule-repository';

export interface DispatcherDeps {
  rules: RuleRepository;
  firings: FiringRepository;
  channels: ChannelRepository;
  notifier: Notifier;
  runs: RunRepository;
  taskRuns: TaskRunRepository;
  deployments: DeploymentRepository;
  flows: FlowRepository;
  /** The organization's current period, budget and spend (lambdas/usage/budget.ts). */
  budgetStatus: (orgId: string) => Promise<BudgetStatus>;
  clock: Clock;
  logger: Logger;
}

export interface DispatchReport {
  /**
   * Rules that fired (each sent to its channels): for a run, or (budget_threshold) for a period;
   * `resumed` when the alert was claimed before by a sender that stopped before it finished.
   */
  fired: Array<{ rule_id: string; run_id: string | null; period?: string; deliveries: number; resumed?: true }>;
  /** Rules that matched but were throttled or had already fired for the run. */
  suppressed: number;
}

/** Which conditions a finished status can meet directly. */
const STATUS_CONDITIONS: Record<string, AlertCondition[]> = {
  FAILED: ['run_failed', 'consecutive_failures'],
  SUCCEEDED: ['run_succeeded'],
  CANCELLED: ['run_cancelled'],
};

/** How far back a consecutive_failures streak is read: pages of the flow's (or deployment's) runs. */
const STREAK_PAGES = 5;
const RUNS_PAGE = 100;
/** RUNNING runs read per organization per SLA tick, at most. */
const RUNNING_PAGES = 10;

/** The run as the rules and the message see it (the event's fields when the run cannot be read). */
type RunView = Pick<RunRecord, 'org_id' | 'run_id' | 'run_slug' | 'flow_name' | 'flow_version' | 'deployment_name' | 'environment' | 'status' | 'started_at' | 'completed_at' | 'error_message'>;

export class AlertDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async onRunStatusChanged(detail: RunStatusChangedDetail): Promise<DispatchReport> {
    const report: DispatchReport = { fired: [], suppressed: 0 };
    const conditions = STATUS_CONDITIONS[detail.status] ?? [];
    if (conditions.length === 0) return report;
    const rules = (await this.deps.rules.all(detail.org_id)).filter((r) => r.enabled && conditions.includes(r.condition));
    if (rules.length === 0) return report;
    const stored = await this.deps.runs.get(detail.org_id, detail.run_id, { consistent: true });
    const run: RunView = stored ?? { ...detail, environment: null };
    const tags = this.tagsLoader(run);
    const failures: unknown[] = [];
    for (const rule of rules) {
      if (!(await this.matchesFilters(rule, run, tags))) continue;
      let reason = `run ${run.status}`;
      if (rule.condition === 'consecutive_failures') {
        const streak = await this.failureStreak(rule, run, rule.threshold ?? 1);
        if (streak !== rule.threshold) continue;
        reason = `${streak} consecutive failures of ${rule.scope === 'deployment' ? `deployment ${run.deployment_name}` : `flow ${run.flow_name}`}`;
      }
      // One rule's failed send (its claim given up) does not hold back the others; the event's
      // retry then resumes it, and the rules already sent are not sent again.
      await this.fire(rule, run, reason, report).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
    return report;
  }

  /**
   * The minute tick: the enabled periodic rules (sparse index, every organization): SLA rules
   * against their organizations' RUNNING runs, budget_threshold rules against their
   * organizations' current period.
   */
  async tick(): Promise<DispatchReport> {
    const report: DispatchReport = { fired: [], suppressed: 0 };
    const slas = new Map<string, RuleRecord[]>();
    const budgets = new Map<string, RuleRecord[]>();
    for (const shard of SLA_SHARDS) {
      for (const rule of await this.deps.rules.slaRules(shard)) {
        const byOrg = rule.condition === 'budget_threshold' ? budgets : rule.condition === 'run_duration_exceeded' ? slas : undefined;
        byOrg?.set(rule.org_id, [...(byOrg.get(rule.org_id) ?? []), rule]);
      }
    }
    // Each phase runs even when another failed (a failing send must not starve the others);
    // the first failure is thrown at the end, so the invocation still counts as failed.
    const failures: unknown[] = [];
    for (const phase of [() => this.checkSlas(slas, report), () => this.checkBudgets(budgets, report), () => this.resumeStalled(report)]) {
      await phase().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
    return report;
  }

  /** Alerts left PENDING by a sender that died (its claim expired): sent now to the channels not yet done. */
  private async resumeStalled(report: DispatchReport): Promise<void> {
    const nowEpoch = epochSeconds(this.deps.clock);
    for (const shard of PENDING_SHARDS) {
      for (const stalled of await this.deps.firings.stalled(shard, nowEpoch)) {
        const claim = await this.deps.firings.takeOver(stalled, nowEpoch);
        if (claim === null) continue;
        const rule = await this.deps.rules.get(claim.org_id, claim.rule_id);
        if (rule === undefined) {
          // The rule was deleted meanwhile: nobody to send for any more.
          await this.deps.firings.finish(claim, 'FAILED');
          continue;
        }
        await this.send(rule, claim, report);
      }
    }
  }

  private async checkSlas(byOrg: Map<string, RuleRecord[]>, report: DispatchReport): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    for (const [orgId, rules] of byOrg) {
      for (const run of await this.runningRuns(orgId)) {
        if (run.started_at === null) continue;
        const elapsed = Math.floor((nowMs - Date.parse(run.started_at)) / 1000);
        const tags = this.tagsLoader(run);
        for (const rule of rules) {
          if (rule.sla_seconds === null || elapsed <= rule.sla_seconds) continue;
          if (!(await this.matchesFilters(rule, run, tags))) continue;
          await this.fire(rule, run, `still running after ${elapsed}s (SLA ${rule.sla_seconds}s)`, report);
        }
      }
    }
  }

  /**
   * budget_threshold: once the period's cost reaches threshold_percent of the monthly budget (an
   * organization without a budget has nothing to warn about), each rule fires once per period.
   * The budget and spend are read once per organization, whatever its number of rules.
   */
  private async checkBudgets(byOrg: Map<string, RuleRecord[]>, report: DispatchReport): Promise<void> {
    const { clock } = this.deps;
    for (const [orgId, rules] of byOrg) {
      const status = await this.deps.budgetStatus(orgId);
      const budget = status.monthly_budget_usd;
      if (budget === null) continue;
      for (const rule of rules) {
        const percent = rule.threshold_percent;
        if (percent === null || status.spent_usd < (budget * percent) / 100) continue;
        const message = budgetAlertMessage({
          org_id: orgId,
          rule: { rule_id: rule.rule_id, name: rule.name, condition: rule.condition },
          budget: {
            period: status.period,
            spent_usd: status.spent_usd,
            monthly_budget_usd: budget,
            threshold_percent: percent,
            percent_spent: budget > 0 ? (status.spent_usd / budget) * 100 : 100,
          },
          occurred_at: isoNow(clock),
        });
        const claim = await this.deps.firings.claim(rule, budgetFiringSubject(status.period), message, epochSeconds(clock), isoNow(clock), PERIOD_MARK_SECONDS);
        if (claim === null) report.suppressed++;
        else await this.send(rule, claim, report);
      }
    }
  }

  private async runningRuns(orgId: string): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    let cursor: Record<string, unknown> | undefined;
    for (let i = 0; i < RUNNING_PAGES; i++) {
      // The by-status index (org_id#RUNNING): a Query, never a Scan.
      const page = await this.deps.runs.list(orgId, { status: 'RUNNING' }, { limit: RUNS_PAGE, exclusiveStartKey: cursor });
      out.push(...page.items);
      if (page.next_cursor === null) break;
      cursor = decodeCursor(page.next_cursor);
    }
    return out;
  }

  /** The run's tags: its deployment's, or (without one) its flow version's; read once, on demand. */
  private tagsLoader(run: RunView): () => Promise<Record<string, string>> {
    let tags: Promise<Record<string, string>> | undefined;
    return () => {
      tags ??= (async () => {
        if (run.deployment_name !== null) return (await this.deps.deployments.get(run.org_id, run.deployment_name))?.tags ?? {};
        return (await this.deps.flows.get(run.org_id, run.flow_name, run.flow_version))?.tags ?? {};
      })();
      return tags;
    };
  }

  private async matchesFilters(rule: RuleRecord, run: RunView, tags: () => Promise<Record<string, string>>): Promise<boolean> {
    const f = rule.filters;
    if (f.flow_name !== undefined && f.flow_name !== run.flow_name) return false;
    if (f.deployment_name !== undefined && f.deployment_name !== run.deployment_name) return false;
    if (f.environment !== undefined && f.environment !== run.environment) return false;
    if (f.tags !== undefined && Object.keys(f.tags).length > 0) {
      const have = await tags();
      if (!Object.entries(f.tags).every(([k, v]) => have[k] === v)) return false;
    }
    return true;
  }

  /**
   * How many FAILED runs in a row end with this one, in its flow (or deployment), counted back
   * from it in creation order: SUCCEEDED ends the streak, CANCELLED and unfinished runs are
   * neither. Counting stops past `threshold`, so only the Nth failure sees exactly N.
   */
  private async failureStreak(rule: RuleRecord, run: RunView, threshold: number): Promise<number> {
    const byDeployment = rule.scope === 'deployment';
    if (byDeployment && run.deployment_name === null) return 0;
    const filter = byDeployment ? { deployment_name: run.deployment_name! } : { flow_name: run.flow_name };
    let streak = 0;
    let reached = false;
    let cursor: Record<string, unknown> | undefined;
    for (let i = 0; i < STREAK_PAGES; i++) {
      const page = await this.deps.runs.list(run.org_id, filter, { limit: RUNS_PAGE, exclusiveStartKey: cursor });
      for (const r of page.items) {
        if (r.run_id === run.run_id) reached = true;
        if (!reached) continue;
        // This run counts as failed even if the index has not caught up with its status yet.
        const status = r.run_id === run.run_id ? 'FAILED' : r.status;
        if (status === 'SUCCEEDED') return streak;
        if (status === 'FAILED' && ++streak > threshold) return streak;
      }
      if (page.next_cursor === null) break;
      cursor = decodeCursor(page.next_cursor);
    }
    return streak;
  }

  private async fire(rule: RuleRecord, run: RunView, reason: string, report: DispatchReport): Promise<void> {
    const { clock } = this.deps;
    // Built before the claim: the claim stores it, so a resumed alert sends this very message.
    const message = alertMessage({
      org_id: run.org_id,
      rule: { rule_id: rule.rule_id, name: rule.name, condition: rule.condition },
      run: await this.facts(run),
      reason,
      occurred_at: isoNow(clock),
    });
    const claim = await this.deps.firings.claim(rule, run.run_id, message, epochSeconds(clock), isoNow(clock));
    if (claim === null) report.suppressed++;
    else await this.send(rule, claim, report);
  }

  /**
   * Sends a claimed alert to every enabled channel of the rule not done yet (each delivery retried
   * and recorded by the notifier), records each channel's outcome on the mark, then finishes it.
   * A failure on the way gives the claim up and is thrown, so the event's retry resumes at once.
   */
  private async send(rule: RuleRecord, claim: FiringClaim, report: DispatchReport): Promise<void> {
    const about = subjectOf(claim.subject);
    const runId = about.run_id;
    try {
      const channels = await Promise.all(rule.channel_ids.filter((id) => !claim.done_channels.includes(id)).map((id) => this.deps.channels.get(rule.org_id, id)));
      // Settled, not raced: a failing channel lets the others finish and record their outcome
      // before the claim is given up, so the retry sends only to the channels still open.
      const settled = await Promise.allSettled(
        channels
          .filter((c) => c !== undefined && c.enabled)
          .map(async (c) => {
            const delivery = await this.deps.notifier.deliver(c!, claim.message, { rule_id: rule.rule_id, run_id: runId, event: rule.condition });
            await this.deps.firings.recordChannel(claim, c!.channel_id, delivery.status === 'SUCCEEDED');
            return delivery;
          }),
      );
      const broken = settled.find((s) => s.status === 'rejected');
      if (broken !== undefined) throw broken.reason;
      const deliveries = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = claim.failed_channels.length > 0 || deliveries.some((d) => d.status !== 'SUCCEEDED');
      await this.deps.firings.finish(claim, failed ? 'FAILED' : 'DELIVERED');
      this.deps.logger.info('alert fired', { org_id: rule.org_id, rule_id: rule.rule_id, subject: claim.subject, resumed: claim.resumed, deliveries: deliveries.map((d) => ({ channel_id: d.channel_id, status: d.status, attempts: d.attempts })) });
      report.fired.push({
        rule_id: rule.rule_id,
        run_id: runId,
        ...(about.period !== undefined ? { period: about.period } : {}),
        deliveries: deliveries.length,
        ...(claim.resumed ? { resumed: true as const } : {}),
      });
    } catch (error) {
      await this.deps.firings.release(claim).catch((releaseError: unknown) => {
        // The claim then expires by itself (FIRING_CLAIM_SECONDS) and the tick resumes the alert.
        this.deps.logger.warn('alert claim not released', { org_id: rule.org_id, rule_id: rule.rule_id, subject: claim.subject, error: String(releaseError) });
      });
      throw error;
    }
  }

  private async facts(run: RunView): Promise<AlertRunFacts> {
    const end = run.completed_at === null ? this.deps.clock.nowMs() : Date.parse(run.completed_at);
    let failedTask: AlertRunFacts['failed_task'] = null;
    if (run.status === 'FAILED') {
      const failed = (await this.deps.taskRuns.listForRun(run.org_id, run.run_id)).filter((t) => t.status === 'FAILED');
      failed.sort((a, b) => (a.completed_at ?? '').localeCompare(b.completed_at ?? ''));
      const first = failed[0];
      if (first !== undefined) failedTask = { task_name: first.task_name, error_message: first.error_message };
    }
    return {
      run_id: run.run_id,
      run_slug: run.run_slug,
      flow_name: run.flow_name,
      flow_version: run.flow_version,
      deployment_name: run.deployment_name,
      environment: run.environment,
      status: run.status,
      started_at: run.started_at,
      completed_at: run.completed_at,
      duration_seconds: run.started_at === null ? null : Math.max(0, Math.round((end - Date.parse(run.started_at)) / 1000)),
      error_message: run.error_message,
      failed_task: failedTask,
    };
  }
}
