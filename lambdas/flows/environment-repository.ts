import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../shared/http/pagination';
import { startKeyWithin } from '../shared/http/pagination';
import type { TransactItem } from '../shared/dynamo/transact';

/** A named environment (seed entity Environment), as identity creates them and admins manage them. */
export interface EnvironmentRecord {
  org_id: string;
  env_name: string;
  default_executor: string;
  /** A JSON object, as text. */
  config_json: string;
  is_protected: boolean;
  created_at: string;
  updated_at: string;
}

/**
 * The stored item beyond the seed fields: `revision` orders metadata edits (absent on items
 * written at org creation: revision 0), `deployment_count` counts the deployments bound to the
 * environment so that deleting one in use fails in the same write that checks it.
 */
export interface StoredEnvironment extends EnvironmentRecord {
  revision: number;
  deployment_count: number;
}

function toStored(item: Record<string, unknown>): StoredEnvironment {
  return {
    org_id: item.org_id as string,
    env_name: item.env_name as string,
    default_executor: (item.default_executor as string | undefined) ?? 'lambda',
    config_json: (item.config_json as string | undefined) ?? '{}',
    is_protected: item.is_protected === true,
    created_at: item.created_at as string,
    updated_at: item.updated_at as string,
    revision: typeof item.revision === 'number' ? item.revision : 0,
    deployment_count: typeof item.deployment_count === 'number' ? item.deployment_count : 0,
  };
}

const UNPROTECTED = '(attribute_not_exists(is_protected) OR is_protected = :false)';

function revisionCondition(readRevision: number): { expression: string; values: Record<string, unknown> } {
  return readRevision === 0
    ? { expression: 'attribute_not_exists(revision)', values: {} }
    : { expression: 'revision = :rev', values: { ':rev': readRevision } };
}

/** The only code that knows the Environment table's keys (org_id, env_name). */
export class EnvironmentRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string, envName: string): Promise<StoredEnvironment | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, env_name: envName }, ConsistentRead: true }),
    );
    return out.Item === undefined ? null : toStored(out.Item);
  }

  async list(orgId: string, page: PageRequest) {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org',
        ExpressionAttributeValues: { ':org': orgId },
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toStored), lastKey: out.LastEvaluatedKey };
  }

  create(record: EnvironmentRecord): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...record, revision: 1, deployment_count: 0 },
        ConditionExpression: 'attribute_not_exists(env_name)',
      },
    };
  }

  /** Writes the edited metadata over the revision the writer read (never the deployment count). */
  update(after: EnvironmentRecord, readRevision: number): TransactItem {
    const rev = revisionCondition(readRevision);
    return {
      Update: {
        TableName: this.tableName,
        Key: { org_id: after.org_id, env_name: after.env_name },
        UpdateExpression: 'SET default_executor = :exec, config_json = :config, is_protected = :protected, updated_at = :now, revision = :next',
        ConditionExpression: `attribute_exists(env_name) AND ${rev.expression}`,
        ExpressionAttributeValues: {
          ...rev.values,
          ':exec': after.default_executor,
          ':config': after.config_json,
          ':protected': after.is_protected,
          ':now': after.updated_at,
          ':next': readRevision + 1,
        },
      },
    };
  }

  /** Delete of the revision read, only while unprotected and no deployment is bound to it. */
  delete(env: StoredEnvironment): TransactItem {
    const rev = revisionCondition(env.revision);
    return {
      Delete: {
        TableName: this.tableName,
        Key: { org_id: env.org_id, env_name: env.env_name },
        ConditionExpression: `${rev.expression} AND ${UNPROTECTED} AND (attribute_not_exists(deployment_count) OR deployment_count = :zero)`,
        ExpressionAttributeValues: { ...rev.values, ':false': false, ':zero': 0 },
      },
    };
  }

  /**
   * Counts deployments bound (delta +1) or unbound (-1); delta 0 only checks the environment.
   * Fails when the environment is gone, or (unless `allowProtected`) when it became protected.
   */
  bindDeployments(orgId: string, envName: string, delta: number, allowProtected: boolean): TransactItem {
    const condition = allowProtected ? 'attribute_exists(env_name)' : `attribute_exists(env_name) AND ${UNPROTECTED}`;
    const protectValues = allowProtected ? {} : { ':false': false };
    const Key = { org_id: orgId, env_name: envName };
    if (delta === 0) {
      return {
        ConditionCheck: {
          TableName: this.tableName,
          Key,
          ConditionExpression: condition,
          ...(allowProtected ? {} : { ExpressionAttributeValues: protectValues }),
        },
      };
    }
    return {
      Update: {
        TableName: this.tableName,
        Key,
        UpdateExpression: 'ADD deployment_count :delta',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ...protectValues, ':delta': delta },
      },
    };
  }
}
