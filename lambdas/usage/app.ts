import { orgPrincipal } from '../shared/http/principal';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import type { ApiRequest, ApiResponse } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import type { Clock } from '../shared/clock';
import { SubscriptionBudgetSource, type BudgetSource } from './budget';
import { COST_METRIC } from './metrics';
import { currentPeriod } from './period';
import { getUsageQuery, listUsageEventsQuery } from './schemas';
import { UsageRepository, type UsageEventRecord } from './usage-repository';

function eventView(e: UsageEventRecord) {
  return {
    event_id: e.event_id,
    event_time: e.event_time,
    period: e.period,
    event_type: e.event_type,
    resource_type: e.resource_type,
    resource_id: e.resource_id,
    metrics: e.metrics,
    attributes: e.attributes,
  };
}

/** The usage routes: read-only views of the organization's own usage (org from the principal). */
export function usageOperations(deps: { usage: UsageRepository; budgets: BudgetSource; clock: Clock }) {
  const org = (request: ApiRequest) => orgPrincipal(request.principal).org_id;
  return {
    getUsage: async (request: ApiRequest): Promise<ApiResponse> => {
      const q = parseWith(getUsageQuery, request.query);
      const period = q.period ?? currentPeriod(deps.clock);
      const orgId = org(request);
      const [metrics, budget] = await Promise.all([deps.usage.totals(orgId, period), deps.budgets.monthlyBudgetUsd(orgId)]);
      return { status: 200, body: { period, metrics, cost_usd: metrics[COST_METRIC] ?? 0, monthly_budget_usd: budget } };
    },
    listUsageEvents: async (request: ApiRequest): Promise<ApiResponse> => {
      const q = parseWith(listUsageEventsQuery, request.query);
      const period = q.period ?? currentPeriod(deps.clock);
      const page = await deps.usage.listEvents(org(request), period, { limit: q.limit, cursor: q.cursor });
      return { status: 200, body: { items: page.items.map(eventView), next_cursor: page.next_cursor } };
    },
  };
}

/** The usage domain's HTTP function. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-usage', env, deps);
  const { aws, config, clock } = runtime;
  const usage = new UsageRepository({ ddb: aws.ddb, eventsTable: config.table('UsageEvent'), aggregatesTable: config.table('UsageAggregate'), clock });
  return createHttpHandler({
    domain: 'usage',
    runtime,
    operations: usageOperations({ usage, budgets: new SubscriptionBudgetSource(aws.ddb, config.table('Subscription')), clock }),
  });
};
