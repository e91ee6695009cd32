import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../shared/clock';
import { PaymentRequiredError } from '../shared/errors';
import type { Runtime } from '../shared/runtime';
import { COST_METRIC } from './metrics';
import { currentPeriod } from './period';
import { UsageRepository } from './usage-repository';

/** The attribute of the Subscription item (key org_id) that holds the monthly budget in USD. */
export const MONTHLY_BUDGET_ATTRIBUTE = 'monthly_budget_usd';

/** Reads an organization's monthly budget (null: none set). */
export interface BudgetSource {
  monthlyBudgetUsd(orgId: string): Promise<number | null>;
}

/** The monthly budget from the Subscription item (its owner writes it with PUT /v1/subscription). */
export class SubscriptionBudgetSource implements BudgetSource {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly subscriptionTable: string,
  ) {}

  async monthlyBudgetUsd(orgId: string): Promise<number | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.subscriptionTable, Key: { org_id: orgId }, ProjectionExpression: '#b', ExpressionAttributeNames: { '#b': MONTHLY_BUDGET_ATTRIBUTE } }),
    );
    const value = out.Item?.[MONTHLY_BUDGET_ATTRIBUTE];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
}

export interface BudgetCheckDeps {
  budgets: BudgetSource;
  usage: Pick<UsageRepository, 'total'>;
  clock: Clock;
}

/** What a budget check found (for callers that report it, e.g. a skipped schedule slot). */
export interface BudgetStatus {
  period: string;
  monthly_budget_usd: number | null;
  spent_usd: number;
}

/** Admission of new runs against the monthly budget: the run starter calls it before creating a run. */
/** `known`: the subscription already read by the caller (plan admission): no second read. */
export type BudgetCheck = (orgId: string, known?: { monthly_budget_usd: number | null }) => Promise<BudgetStatus>;

/**
 * The organization's current period, its budget and what the period has spent (the `cost_usd`
 * aggregate), without judging it: admission (below) and the budget_threshold alert
 * (lambdas/alerts/dispatcher.ts) read it the same way. Without a budget the spend is not read.
 */
export function readBudgetStatus(deps: BudgetCheckDeps): (orgId: string, known?: { monthly_budget_usd: number | null }) => Promise<BudgetStatus> {
  return async (orgId, known) => {
    const period = currentPeriod(deps.clock);
    // `known`: the subscription the caller already read (plan admission); no second read.
    const budget = known !== undefined ? known.monthly_budget_usd : await deps.budgets.monthlyBudgetUsd(orgId);
    if (budget === null) return { period, monthly_budget_usd: null, spent_usd: 0 };
    const spent = await deps.usage.total(orgId, period, COST_METRIC);
    return { period, monthly_budget_usd: budget, spent_usd: spent };
  };
}

/**
 * Refuses a new run with 402 budget_exceeded once the period's modelled cost (the `cost_usd`
 * aggregate) has reached the organization's monthly budget. Without a budget it reads one item
 * (the Subscription); with one, two. Runs already admitted are not stopped: the check is at
 * admission, so a period may end slightly over its budget by the runs in flight.
 */
export function checkBudget(deps: BudgetCheckDeps): BudgetCheck {
  const read = readBudgetStatus(deps);
  return async (orgId, known) => {
    const status = await read(orgId, known);
    const { period, monthly_budget_usd: budget, spent_usd: spent } = status;
    if (budget === null) return status;
    if (spent >= budget) {
      throw new PaymentRequiredError(
        `the organization's monthly budget of $${budget} is spent for ${period} ($${spent.toFixed(6)} of modelled cost); no new runs until the next period or a higher budget`,
        'budget_exceeded',
        [{ path: MONTHLY_BUDGET_ATTRIBUTE, message: `spent ${spent} of ${budget} USD in ${period}` }],
      );
    }
    return status;
  };
}

/** What a function bound to the Subscription and UsageAggregate tables (read) reads a budget with. */
function budgetDepsFromRuntime(runtime: Runtime): BudgetCheckDeps {
  const { aws, config, clock } = runtime;
  return {
    budgets: new SubscriptionBudgetSource(aws.ddb, config.table('Subscription')),
    usage: new UsageRepository({ ddb: aws.ddb, aggregatesTable: config.table('UsageAggregate'), clock }),
    clock,
  };
}

/** The budget check of a function bound to the Subscription and UsageAggregate tables (read). */
export function budgetCheckFromRuntime(runtime: Runtime): BudgetCheck {
  return checkBudget(budgetDepsFromRuntime(runtime));
}

/** The budget status reader of a function bound to the Subscription and UsageAggregate tables (read). */
export function budgetStatusFromRuntime(runtime: Runtime): (orgId: string) => Promise<BudgetStatus> {
  return readBudgetStatus(budgetDepsFromRuntime(runtime));
}
