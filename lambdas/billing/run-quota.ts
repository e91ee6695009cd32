import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// The monthly run counter, an item of the UsageAggregate table (see lambdas/catalogue/tables.ts):
//   org_id, sk = limits#<YYYY-MM>#runs_admitted, {period, metric, value, updated_at}
// kept with ADD so concurrent starts never lose a count, and conditional on the plan's quota so
// they can never exceed it together. Its `limits#` prefix keeps it out of a period's usage
// aggregates (`<YYYY-MM>#<metric>`), which are derived from usage events.

export const RUNS_ADMITTED_METRIC = 'runs_admitted';

/** The UTC calendar month of a time, `YYYY-MM` (the usage period). */
export function periodOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

const key = (orgId: string, period: string) => ({ org_id: orgId, sk: `limits#${period}#${RUNS_ADMITTED_METRIC}` });

export class RunQuota {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Counts one run in the period if fewer than `limit` were (null: no limit); false when the quota is used up. */
  async take(orgId: string, period: string, limit: number | null, nowIso: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(orgId, period),
          UpdateExpression: 'ADD #value :one SET period = :period, metric = :metric, updated_at = :now',
          ...(limit === null ? {} : { ConditionExpression: 'attribute_not_exists(#value) OR #value < :limit' }),
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: { ':one': 1, ':period': period, ':metric': RUNS_ADMITTED_METRIC, ':now': nowIso, ...(limit === null ? {} : { ':limit': limit }) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives a counted run back (its start did not create a run after all). */
  async giveBack(orgId: string, period: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(orgId, period),
        UpdateExpression: 'ADD #value :minus',
        ConditionExpression: '#value > :zero',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** Runs counted in the period so far. */
  async used(orgId: string, period: string): Promise<number> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: key(orgId, period), ConsistentRead: true }));
    return typeof out.Item?.value === 'number' ? out.Item.value : 0;
  }
}
