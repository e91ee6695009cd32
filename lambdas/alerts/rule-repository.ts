// The AlertRule table (lambdas/catalogue/tables.ts). This module is the only code that knows its keys:
//   rules          org_id, rule_id = alr_...; sla_shard + sla_sort only on enabled
//                  run_duration_exceeded and budget_threshold rules (the sla-rules index the
//                  periodic check reads: the rules evaluated by the tick, not by run events)
//   firing marks   org_id, rule_id = fired#<rule_id>#<subject>: a rule alerts at most once per run
//                  (budget_threshold: per period); their attributes are known to
//                  firing-repository.ts only
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { encodeCursor, startKeyWithin } from '../shared/http/pagination';
import { queryAll } from '../shared/dynamo/query-all';
import { shardNames, shardOf } from '../shared/dynamo/shard';
import type { TxOp } from '../shared/dynamo/transact';
import type { AlertCondition, RuleFilters, RuleRecord, StreakScope } from './rule-record';

export const RULE_ID_PREFIX = 'alr';
export const SLA_RULES_INDEX = 'sla-rules';
export const SLA_SHARDS: readonly string[] = shardNames(4);
/** Conditions the periodic tick evaluates (indexed in sla-rules while enabled). */
const PERIODIC_CONDITIONS: readonly AlertCondition[] = ['run_duration_exceeded', 'budget_threshold'];


function toRuleItem(r: RuleRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    org_id: r.org_id,
    rule_id: r.rule_id,
    name: r.name,
    condition: r.condition,
    filters_json: JSON.stringify(r.filters),
    channel_ids: r.channel_ids,
    throttle_minutes: r.throttle_minutes,
    enabled: r.enabled,
    created_at: r.created_at,
    updated_at: r.updated_at,
    version: r.version,
  };
  if (r.sla_seconds !== null) item.sla_seconds = r.sla_seconds;
  if (r.threshold !== null) item.threshold = r.threshold;
  if (r.scope !== null) item.scope = r.scope;
  if (r.threshold_percent !== null) item.threshold_percent = r.threshold_percent;
  if (r.last_fired_at !== null) {
    item.last_fired_at = r.last_fired_at;
    item.last_fired_epoch = Math.floor(Date.parse(r.last_fired_at) / 1000);
  }
  if (r.enabled && PERIODIC_CONDITIONS.includes(r.condition)) {
    item.sla_shard = shardOf(SLA_SHARDS, r.org_id, r.rule_id);
    item.sla_sort = `${r.org_id}#${r.rule_id}`;
  }
  return item;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function toRule(item: Record<string, unknown>): RuleRecord {
  return {
    org_id: String(item.org_id),
    rule_id: String(item.rule_id),
    name: String(item.name ?? ''),
    condition: item.condition as AlertCondition,
    sla_seconds: num(item.sla_seconds),
    threshold: num(item.threshold),
    scope: (typeof item.scope === 'string' ? item.scope : null) as StreakScope | null,
    threshold_percent: num(item.threshold_percent),
    filters: JSON.parse(String(item.filters_json ?? '{}')) as RuleFilters,
    channel_ids: Array.isArray(item.channel_ids) ? item.channel_ids.map(String) : [],
    throttle_minutes: num(item.throttle_minutes) ?? 0,
    enabled: item.enabled === true,
    last_fired_at: typeof item.last_fired_at === 'string' ? item.last_fired_at : null,
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
    version: num(item.version) ?? 1,
  };
}

const isRuleItem = (item: Record<string, unknown>) => typeof item.condition === 'string' && !String(item.rule_id).includes('#');

export class RuleRepository {
  constructor(
    readonly ddb: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(orgId: string, ruleId: string): Promise<RuleRecord | undefined> {
    if (ruleId.includes('#')) return undefined;
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, rule_id: ruleId }, ConsistentRead: true }));
    return out.Item === undefined || !isRuleItem(out.Item) ? undefined : toRule(out.Item);
  }

  async list(orgId: string, page: PageRequest): Promise<Page<RuleRecord>> {
    const start = startKeyWithin(page, 'org_id', orgId);
    if (start !== undefined && (typeof start.rule_id !== 'string' || start.rule_id.includes('#'))) {
      throw new ValidationError([{ path: 'cursor', message: 'invalid cursor' }]);
    }
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org AND begins_with(rule_id, :p)',
        ExpressionAttributeValues: { ':org': orgId, ':p': `${RULE_ID_PREFIX}_` },
        Limit: page.limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: (out.Items ?? []).filter(isRuleItem).map(toRule), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  /** Every rule of an organization (the dispatcher matches an event against all of them). */
  async all(orgId: string): Promise<RuleRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'org_id = :org AND begins_with(rule_id, :p)',
      ExpressionAttributeValues: { ':org': orgId, ':p': `${RULE_ID_PREFIX}_` },
    });
    return items.filter(isRuleItem).map(toRule);
  }

  /** Enabled run_duration_exceeded and budget_threshold rules of one shard, every organization (sparse index). */
  async slaRules(shard: string): Promise<RuleRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: SLA_RULES_INDEX,
      KeyConditionExpression: 'sla_shard = :s',
      ExpressionAttributeValues: { ':s': shard },
    });
    return items.filter(isRuleItem).map(toRule);
  }

  create(r: RuleRecord): TxOp {
    return {
      item: { Put: { TableName: this.tableName, Item: toRuleItem(r), ConditionExpression: 'attribute_not_exists(rule_id)' } },
      onConditionFailed: () => new ConflictError(`alert rule ${r.rule_id} already exists`, 'rule_exists'),
    };
  }

  /**
   * The rule's new state over the version the writer read. last_fired_* are kept as stored (the
   * dispatcher moves them without changing the version).
   */
  replace(r: RuleRecord, expectedVersion: number, onStale: () => Error): TxOp {
    const item = toRuleItem(r);
    delete item.last_fired_at;
    delete item.last_fired_epoch;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':v': expectedVersion };
    const sets: string[] = [];
    const removes: string[] = [];
    for (const attr of ['name', 'condition', 'filters_json', 'channel_ids', 'throttle_minutes', 'enabled', 'updated_at', 'version', 'sla_seconds', 'threshold', 'scope', 'threshold_percent', 'sla_shard', 'sla_sort']) {
      names[`#${attr}`] = attr;
      if (item[attr] === undefined) removes.push(`#${attr}`);
      else {
        sets.push(`#${attr} = :${attr}`);
        values[`:${attr}`] = item[attr];
      }
    }
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: { org_id: r.org_id, rule_id: r.rule_id },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(rule_id) AND #version = :v',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: onStale,
    };
  }

  delete(r: RuleRecord, onStale: () => Error): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: { org_id: r.org_id, rule_id: r.rule_id },
          ConditionExpression: 'attribute_exists(rule_id) AND version = :v',
          ExpressionAttributeValues: { ':v': r.version },
        },
      },
      onConditionFailed: onStale,
    };
  }
}
