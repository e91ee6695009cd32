import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../shared/http/pagination';
import { startKeyWithin } from '../shared/http/pagination';
import type { TransactItem } from '../shared/dynamo/transact';

export const DEPLOYMENT_STATUSES = ['ACTIVE', 'PAUSED'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** A named deployment pinning a flow version in an environment (seed entity Deployment). */
export interface DeploymentRecord {
  org_id: string;
  deployment_name: string;
  flow_name: string;
  flow_version: string;
  environment: string;
  /** 5-field cron expression (UTC), or null for a deployment run only on demand. */
  schedule: string | null;
  default_executor: string;
  tags: Record<string, string>;
  /** Default run parameters; a run's own parameters are merged over them. */
  parameters: Record<string, unknown>;
  /** At most this many of the deployment's runs hold an execution slot at once (null: only the plan's limit). */
  max_concurrent_runs: number | null;
  status: DeploymentStatus;
  /** 1 at creation, +1 on every change: the version conditional updates are based on. */
  deployment_version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const FIELDS = [
  'org_id', 'deployment_name', 'flow_name', 'flow_version', 'environment', 'schedule', 'default_executor',
  'tags', 'parameters', 'status', 'deployment_version', 'created_by', 'created_at', 'updated_at',
  'max_concurrent_runs',
] as const;

function toRecord(item: Record<string, unknown>): DeploymentRecord {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) out[field] = item[field] ?? null;
  out.tags = item.tags ?? {};
  out.parameters = item.parameters ?? {};
  return out as unknown as DeploymentRecord;
}

export interface DeploymentListFilter {
  flow_name?: string;
  environment?: string;
  status?: DeploymentStatus;
}

/** The only code that knows the Deployment table's keys (org_id, deployment_name; GSI by-flow). */
export class DeploymentRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A deployment of an organization by name, or null (also for another org's deployment). */
  async get(orgId: string, deploymentName: string): Promise<DeploymentRecord | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { org_id: orgId, deployment_name: deploymentName }, ConsistentRead: true }),
    );
    return out.Item === undefined ? null : toRecord(out.Item);
  }

  /** Deployments by name; by flow through the by-flow GSI; environment and status filter the page. */
  async list(orgId: string, filter: DeploymentListFilter, page: PageRequest) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filters: string[] = [];
    if (filter.environment !== undefined) {
      names['#env'] = 'environment';
      values[':env'] = filter.environment;
      filters.push('#env = :env');
    }
    if (filter.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = filter.status;
      filters.push('#status = :status');
    }
    const byFlow = filter.flow_name !== undefined;
    const partition = byFlow ? { attr: 'flow_key', value: `${orgId}#${filter.flow_name}` } : { attr: 'org_id', value: orgId };
    values[':p'] = partition.value;
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(byFlow ? { IndexName: 'by-flow' } : {}),
        KeyConditionExpression: `${partition.attr} = :p`,
        FilterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, partition.attr, partition.value),
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }

  /**
   * Put of a deployment's new state: a create when `readVersion` is null (fails if the name is
   * taken), else only over the version the writer read (fails after any concurrent change).
   */
  put(record: DeploymentRecord, readVersion: number | null): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...record, flow_key: `${record.org_id}#${record.flow_name}` },
        ...(readVersion === null
          ? { ConditionExpression: 'attribute_not_exists(deployment_name)' }
          : { ConditionExpression: 'deployment_version = :read', ExpressionAttributeValues: { ':read': readVersion } }),
      },
    };
  }

  /** Delete of the version the writer read. */
  delete(record: DeploymentRecord): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: { org_id: record.org_id, deployment_name: record.deployment_name },
        ConditionExpression: 'deployment_version = :read',
        ExpressionAttributeValues: { ':read': record.deployment_version },
      },
    };
  }
}
