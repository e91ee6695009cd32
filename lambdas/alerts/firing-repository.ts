// Firing marks of the AlertRule table (lambdas/catalogue/tables.ts), next to the rules of
// rule-repository.ts. This module is the only code that knows their keys and attributes:
//   org_id, rule_id = fired#<rule_id>#<subject>   subject: a run id, or budget#<YYYY-MM>
//   fired_rule_id, subject, fired_at, expires_at_epoch (TTL)
//   status                PENDING while the alert is being sent; DELIVERED or FAILED once every
//                         channel has its final outcome (marks written before status existed read
//                         as final)
//   claim_expires_epoch   until when the dispatcher that claimed it is trusted to be sending it
//   message_json          the message, so that whoever resumes a PENDING alert sends the same one
//   delivered_channels, failed_channels   string sets: channels already done (never sent again)
//   sla_shard = pending#shard-N, sla_sort     only while PENDING: the minute tick finds the marks
//                         whose claim expired (the sender crashed) on the sla-rules index
// The mark is written PENDING before anything is sent and finished after: a crash in between
// leaves a PENDING mark that a retry of the event or the next tick resumes (at least once), and a
// DELIVERED mark is never sent again (no double send).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { shardOf } from '../shared/dynamo/shard';
import type { AlertMessage } from './alert-message';
import type { RuleRecord } from './rule-record';
import { SLA_RULES_INDEX, SLA_SHARDS } from './rule-repository';

/** How long a firing mark is kept: longer than any run is watched. */
export const FIRING_MARK_SECONDS = 14 * 24 * 3600;
/** How long a period's firing mark is kept: longer than any period (a month) lasts. */
export const PERIOD_MARK_SECONDS = 40 * 24 * 3600;
/**
 * How long a claim on a PENDING alert lasts: longer than one alert-dispatcher invocation may run
 * (its timeoutSeconds in lambdas/catalogue/functions/alerts.ts), so a live sender is never
 * joined by a second one; a claim older than this belongs to a sender that died.
 */
export const FIRING_CLAIM_SECONDS = 6 * 60;

export type FiringStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** The firing-mark subject of a budget_threshold rule: one per period. */
export const budgetFiringSubject = (period: string) => `budget#${period}`;

/** What a mark's subject names: a run, or (budget_threshold) a period. */
export function subjectOf(subject: string): { run_id: string | null; period?: string } {
  return subject.startsWith('budget#') ? { run_id: null, period: subject.slice('budget#'.length) } : { run_id: subject };
}

/** The sla-rules index partitions holding PENDING marks (never the rules' own shards). */
export const PENDING_SHARDS: readonly string[] = SLA_SHARDS.map((s) => `pending#${s}`);

const markKey = (orgId: string, ruleId: string, subject: string) => ({ org_id: orgId, rule_id: `fired#${ruleId}#${subject}` });

/** An alert this dispatcher now holds the claim of: send `message` to every channel not yet done. */
export interface FiringClaim {
  org_id: string;
  rule_id: string;
  subject: string;
  message: AlertMessage;
  /** Channels that already have their final outcome (from an earlier, interrupted attempt). */
  done_channels: string[];
  /** Of those, the ones whose delivery failed. */
  failed_channels: string[];
  /** True when an earlier claim of the same alert expired or was released (its sender stopped). */
  resumed: boolean;
}

/** A PENDING alert whose sender's claim expired, as the tick finds it. */
export interface StalledFiring {
  org_id: string;
  rule_id: string;
  subject: string;
}

const strings = (v: unknown): string[] => (v instanceof Set ? [...v].map(String) : Array.isArray(v) ? v.map(String) : []);

function toClaim(item: Record<string, unknown>, resumed: boolean): FiringClaim {
  return {
    org_id: String(item.org_id),
    rule_id: String(item.fired_rule_id),
    subject: String(item.subject),
    message: JSON.parse(String(item.message_json)) as AlertMessage,
    done_channels: [...strings(item.delivered_channels), ...strings(item.failed_channels)],
    failed_channels: strings(item.failed_channels),
    resumed,
  };
}

export class FiringRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims the alert of `rule` for `subject`. A new alert: in one transaction, the PENDING mark
   * with its message (the rule never alerted for this subject) and last_fired on the rule
   * (conditional on the throttle window, so two dispatchers racing never both fire). An alert
   * already PENDING whose claim expired (its sender died): taken over, with its stored message and
   * without the throttle (the window was taken when it first fired). Null otherwise: already
   * DELIVERED or FAILED, being sent by a live claim, or throttled.
   */
  async claim(rule: RuleRecord, subject: string, message: AlertMessage, nowEpoch: number, nowIso: string, markSeconds = FIRING_MARK_SECONDS): Promise<FiringClaim | null> {
    const key = markKey(rule.org_id, rule.rule_id, subject);
    const item = {
      ...key,
      fired_rule_id: rule.rule_id,
      subject,
      fired_at: nowIso,
      expires_at_epoch: nowEpoch + markSeconds,
      status: 'PENDING' satisfies FiringStatus,
      claim_expires_epoch: nowEpoch + FIRING_CLAIM_SECONDS,
      message_json: JSON.stringify(message),
      sla_shard: shardOf(PENDING_SHARDS, rule.org_id, key.rule_id),
      sla_sort: `${rule.org_id}#${key.rule_id}`,
    };
    const windowStart = nowEpoch - rule.throttle_minutes * 60;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(rule_id)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: { org_id: rule.org_id, rule_id: rule.rule_id },
                UpdateExpression: 'SET last_fired_at = :iso, last_fired_epoch = :now',
                ConditionExpression:
                  rule.throttle_minutes > 0
                    ? 'attribute_exists(rule_id) AND enabled = :on AND (attribute_not_exists(last_fired_epoch) OR last_fired_epoch <= :window)'
                    : 'attribute_exists(rule_id) AND enabled = :on',
                ExpressionAttributeValues: { ':iso': nowIso, ':now': nowEpoch, ':on': true, ...(rule.throttle_minutes > 0 ? { ':window': windowStart } : {}) },
              },
            },
          ],
        }),
      );
      return { org_id: rule.org_id, rule_id: rule.rule_id, subject, message, done_channels: [], failed_channels: [], resumed: false };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
      // The mark may exist: a PENDING alert whose sender stopped is taken over (the conditional
      // update creates nothing when there is no such mark, e.g. when only the throttle refused).
      return this.takeOver({ org_id: rule.org_id, rule_id: rule.rule_id, subject }, nowEpoch);
    }
  }

  /** Takes the claim of a PENDING alert whose claim expired (or was released); null when it is not one. */
  async takeOver(firing: StalledFiring, nowEpoch: number): Promise<FiringClaim | null> {
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: markKey(firing.org_id, firing.rule_id, firing.subject),
          UpdateExpression: 'SET claim_expires_epoch = :until',
          ConditionExpression: '#status = :pending AND claim_expires_epoch <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':until': nowEpoch + FIRING_CLAIM_SECONDS, ':pending': 'PENDING', ':now': nowEpoch },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toClaim(out.Attributes ?? {}, true);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** One channel's final outcome: it is never sent this alert again. */
  async recordChannel(claim: FiringClaim, channelId: string, delivered: boolean): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markKey(claim.org_id, claim.rule_id, claim.subject),
        UpdateExpression: `ADD ${delivered ? 'delivered_channels' : 'failed_channels'} :c`,
        ConditionExpression: 'attribute_exists(rule_id)',
        ExpressionAttributeValues: { ':c': new Set([channelId]) },
      }),
    );
  }

  /** Every channel is done: the alert is final and leaves the tick's index. */
  async finish(claim: FiringClaim, status: Exclude<FiringStatus, 'PENDING'>): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markKey(claim.org_id, claim.rule_id, claim.subject),
        UpdateExpression: 'SET #status = :final REMOVE claim_expires_epoch, message_json, sla_shard, sla_sort',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':final': status, ':pending': 'PENDING' },
      }),
    ).catch((error: unknown) => {
      // Finished already by a sender that took over meanwhile: the same outcome stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** Gives the claim up at once (the sender failed and knows it): the next retry or tick resumes. */
  async release(claim: FiringClaim): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markKey(claim.org_id, claim.rule_id, claim.subject),
        UpdateExpression: 'SET claim_expires_epoch = :zero',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':pending': 'PENDING' },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** PENDING alerts of one shard (every organization) whose claim has expired. */
  async stalled(shard: string, nowEpoch: number): Promise<StalledFiring[]> {
    const out: StalledFiring[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: SLA_RULES_INDEX,
          KeyConditionExpression: 'sla_shard = :s',
          FilterExpression: 'claim_expires_epoch <= :now',
          ExpressionAttributeValues: { ':s': shard, ':now': nowEpoch },
          ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) out.push({ org_id: String(item.org_id), rule_id: String(item.fired_rule_id), subject: String(item.subject) });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return out;
  }
}
