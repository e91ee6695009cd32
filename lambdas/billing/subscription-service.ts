import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditTransactPut } from '../shared/audit/audit-log';
import { isoNow, type Clock } from '../shared/clock';
import { transact } from '../shared/dynamo/transact';
import { PreconditionFailedError } from '../shared/errors';
import { effectiveLimits, PAST_DUE_GRACE_SECONDS } from './plans';
import { periodOf, type RunQuota } from './run-quota';
import type { PutSubscriptionBody } from './schemas';
import type { SubscriptionRecord, SubscriptionRepository, SubscriptionSettings } from './subscription-repository';

export interface SubscriptionActor {
  org_id: string;
  actor_email: string;
  ip_address: string;
}

export interface SubscriptionServiceDeps {
  ddb: DynamoDBDocumentClient;
  subscriptions: SubscriptionRepository;
  quota: RunQuota;
  auditTable: string;
  clock: Clock;
}

function settingsOf(record: SubscriptionRecord): SubscriptionSettings {
  return { plan: record.plan, status: record.status, past_due_since: record.past_due_since, monthly_budget_usd: record.monthly_budget_usd };
}

/** The organization's subscription: its plan, standing and budget, with the limits in force and this month's use. */
export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  async get(orgId: string) {
    return this.view(await this.deps.subscriptions.get(orgId));
  }

  /** Changes plan, status and budget (owners only, by the route's permission), with its audit record in the same transaction. */
  async put(actor: SubscriptionActor, body: PutSubscriptionBody) {
    const { subscriptions, clock } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const before = await subscriptions.get(actor.org_id);
      const now = isoNow(clock);
      const status = body.status ?? before.status;
      const after: SubscriptionSettings = {
        plan: body.plan,
        status,
        // The grace period counts from the first time the subscription turned past_due.
        past_due_since: status === 'past_due' ? (before.status === 'past_due' ? (before.past_due_since ?? now) : now) : null,
        monthly_budget_usd: body.monthly_budget_usd === undefined ? before.monthly_budget_usd : body.monthly_budget_usd,
      };
      try {
        await transact(this.deps.ddb, [
          subscriptions.change(actor.org_id, after, before.version, now),
          {
            item: auditTransactPut(
              this.deps.auditTable,
              { ...actor, resource_type: 'subscription', resource_id: actor.org_id, action: 'update', before: settingsOf(before), after },
              now,
            ),
          },
        ]);
      } catch (error) {
        // A concurrent change of the same subscription: read it again and re-apply this one.
        if (error instanceof PreconditionFailedError && attempt < 3) continue;
        throw error;
      }
      return this.get(actor.org_id);
    }
  }

  private async view(record: SubscriptionRecord) {
    const period = periodOf(this.deps.clock.nowMs());
    const since = record.past_due_since === null ? Number.NaN : Date.parse(record.past_due_since);
    return {
      org_id: record.org_id,
      plan: record.plan,
      status: record.status,
      past_due_since: record.past_due_since,
      grace_period_ends_at: record.status === 'past_due' && !Number.isNaN(since) ? new Date(since + PAST_DUE_GRACE_SECONDS * 1000).toISOString() : null,
      monthly_budget_usd: record.monthly_budget_usd,
      limits: { ...effectiveLimits(record) },
      usage: { period, runs_admitted: await this.deps.quota.used(record.org_id, period), active_runs: record.leases.length },
      created_at: record.created_at,
      updated_at: record.updated_at,
    };
  }
}
