// The alert rules API's rules: a condition with the fields it needs (sla_seconds for
// run_duration_exceeded, threshold for consecutive_failures, threshold_percent for
// budget_threshold; 400 at that path otherwise), filters (runs only: not on budget_threshold),
// channels of the caller's organization only (another org's or a missing channel: 404 naming
// `channel_ids[i]`, checked again inside the write transaction so a channel deleted meanwhile is
// not referenced), optimistic concurrency and one AuditLog record with each change.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditTransactPut } from '../shared/audit/audit-log';
import { isoNow, type Clock } from '../shared/clock';
import { NotFoundError, PreconditionFailedError, ValidationError, type ErrorDetail } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { shortId } from '../shared/ids';
import { ConcurrentChangeError, transact, withRetries, type TxOp } from '../shared/dynamo/transact';
import { channelNotFound, type ChannelRepository } from './channel-repository';
import type { Actor } from './channel-service';
import { parse } from './channel-service';
import { ruleView, type AlertCondition, type RuleRecord } from './rule-record';
import { RULE_ID_PREFIX, type RuleRepository } from './rule-repository';
import { createRuleBody, updateRuleBody } from './schemas';

export interface RuleServiceDeps {
  ddb: DynamoDBDocumentClient;
  rules: RuleRepository;
  channels: ChannelRepository;
  auditTable: string;
  clock: Clock;
}

/** Problems with the condition-specific fields of a rule as it would be stored. */
function conditionIssues(r: Pick<RuleRecord, 'condition' | 'sla_seconds' | 'threshold' | 'scope' | 'threshold_percent' | 'filters'>): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  const needs = (field: 'sla_seconds' | 'threshold' | 'threshold_percent', condition: AlertCondition) => {
    if (r.condition === condition && r[field] === null) issues.push({ path: field, message: `required for condition ${condition}` });
    if (r.condition !== condition && r[field] !== null) issues.push({ path: field, message: `applies only to condition ${condition}` });
  };
  needs('sla_seconds', 'run_duration_exceeded');
  needs('threshold', 'consecutive_failures');
  needs('threshold_percent', 'budget_threshold');
  // A budget is the organization's, not a run's: run filters would never apply.
  if (r.condition === 'budget_threshold' && Object.keys(r.filters).length > 0) issues.push({ path: 'filters', message: 'do not apply to condition budget_threshold' });
  if (r.condition !== 'consecutive_failures' && r.scope !== null) issues.push({ path: 'scope', message: 'applies only to condition consecutive_failures' });
  return issues;
}

export class RuleService {
  constructor(private readonly deps: RuleServiceDeps) {}

  /** The channels must be the caller's: each one read (a clear 404 path), then checked in the write. */
  private async channelChecks(orgId: string, channelIds: string[]): Promise<TxOp[]> {
    const unique = [...new Set(channelIds)];
    if (unique.length !== channelIds.length) throw new ValidationError([{ path: 'channel_ids', message: 'lists a channel twice' }]);
    for (const [i, id] of channelIds.entries()) {
      if ((await this.deps.channels.get(orgId, id)) === undefined) throw channelNotFound(`channel_ids[${i}]`);
    }
    return channelIds.map((id, i) => this.deps.channels.mustExist(orgId, id, `channel_ids[${i}]`));
  }

  private audit(actor: Actor, ruleId: string, action: string, before: RuleRecord | null, after: RuleRecord | null, nowIso: string): TxOp {
    return {
      item: auditTransactPut(
        this.deps.auditTable,
        { ...actor, resource_type: 'alert_rule', resource_id: ruleId, action, before: before && ruleView(before), after: after && ruleView(after) },
        nowIso,
      ),
    };
  }

  async create(actor: Actor, body: unknown): Promise<RuleRecord> {
    const { data, issues } = parse(createRuleBody, body ?? {});
    if (data === null) throw new ValidationError(issues);
    const nowIso = isoNow(this.deps.clock);
    const rule: RuleRecord = {
      org_id: actor.org_id,
      rule_id: shortId(RULE_ID_PREFIX),
      name: data.name,
      condition: data.condition,
      sla_seconds: data.sla_seconds ?? null,
      threshold: data.threshold ?? null,
      threshold_percent: data.threshold_percent ?? null,
      scope: data.scope ?? (data.condition === 'consecutive_failures' ? 'flow' : null),
      filters: data.filters ?? {},
      channel_ids: data.channel_ids,
      throttle_minutes: data.throttle_minutes ?? 0,
      enabled: data.enabled ?? true,
      last_fired_at: null,
      created_at: nowIso,
      updated_at: nowIso,
      version: 1,
    };
    const problems = conditionIssues(rule);
    if (problems.length > 0) throw new ValidationError(problems);
    const checks = await this.channelChecks(actor.org_id, rule.channel_ids);
    await transact(this.deps.ddb, [this.deps.rules.create(rule), ...checks, this.audit(actor, rule.rule_id, 'create', null, rule, nowIso)]);
    return rule;
  }

  async get(orgId: string, ruleId: string): Promise<RuleRecord> {
    const rule = await this.deps.rules.get(orgId, ruleId);
    if (rule === undefined) throw new NotFoundError('alert rule');
    return rule;
  }

  list(orgId: string, page: PageRequest): Promise<Page<RuleRecord>> {
    return this.deps.rules.list(orgId, page);
  }

  async update(actor: Actor, ruleId: string, body: unknown, ifMatch: number | undefined): Promise<RuleRecord> {
    const { data, issues } = parse(updateRuleBody, body ?? {});
    if (data === null) throw new ValidationError(issues);
    if (data.version !== undefined && ifMatch !== undefined && data.version !== ifMatch) {
      throw new ValidationError([{ path: 'version', message: 'differs from the If-Match header' }]);
    }
    const pinned = data.version ?? ifMatch;
    return withRetries(async () => {
      const current = await this.get(actor.org_id, ruleId);
      if (pinned !== undefined && pinned !== current.version) throw new PreconditionFailedError(`the alert rule is at version ${current.version}, not ${pinned}`);
      const next: RuleRecord = {
        ...current,
        name: data.name ?? current.name,
        sla_seconds: data.sla_seconds ?? current.sla_seconds,
        threshold: data.threshold ?? current.threshold,
        threshold_percent: data.threshold_percent ?? current.threshold_percent,
        scope: data.scope ?? current.scope,
        filters: data.filters ?? current.filters,
        channel_ids: data.channel_ids ?? current.channel_ids,
        throttle_minutes: data.throttle_minutes ?? current.throttle_minutes,
        enabled: data.enabled ?? current.enabled,
        updated_at: isoNow(this.deps.clock),
        version: current.version + 1,
      };
      const problems = conditionIssues(next);
      if (problems.length > 0) throw new ValidationError(problems);
      const checks = data.channel_ids === undefined ? [] : await this.channelChecks(actor.org_id, next.channel_ids);
      await transact(this.deps.ddb, [
        this.deps.rules.replace(next, current.version, () => (pinned === undefined ? new ConcurrentChangeError() : new PreconditionFailedError())),
        ...checks,
        this.audit(actor, ruleId, 'update', current, next, next.updated_at),
      ]);
      return next;
    });
  }

  async delete(actor: Actor, ruleId: string, ifMatch: number | undefined): Promise<void> {
    const current = await this.get(actor.org_id, ruleId);
    if (ifMatch !== undefined && ifMatch !== current.version) throw new PreconditionFailedError(`the alert rule is at version ${current.version}, not ${ifMatch}`);
    const nowIso = isoNow(this.deps.clock);
    await transact(this.deps.ddb, [this.deps.rules.delete(current, () => new ConcurrentChangeError()), this.audit(actor, ruleId, 'delete', current, null, nowIso)]);
  }
}
