import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../shared/http/pagination';
import { startKeyWithin } from '../shared/http/pagination';
import type { TransactItem } from '../shared/dynamo/transact';
import { queryAll } from '../shared/dynamo/query-all';

export const FLOW_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export type FlowStatus = (typeof FLOW_STATUSES)[number];

/** A registered flow version without its spec (lists, audit records). */
export interface FlowVersionSummary {
  org_id: string;
  flow_name: string;
  flow_version: string;
  namespace: string;
  tags: Record<string, string>;
  /** s3://bucket/artifacts/<org_id>/<flow_name>/<code_hash>.zip, or null for a flow of http tasks only. */
  artifact_s3_uri: string | null;
  status: FlowStatus;
  default_executor: string;
  /** SHA-256 (hex) of the canonical normalized spec and the artifact bytes. */
  code_hash: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A registered flow version (seed entity Flow). Immutable but for status and updated_at. */
export interface FlowVersionRecord extends FlowVersionSummary {
  /** canonicalJson of the FlowSpec as registered (validated then; parseFlowSpec it for the defaults). */
  flow_spec_json: string;
}

const SUMMARY_FIELDS = [
  'org_id', 'flow_name', 'flow_version', 'namespace', 'tags', 'artifact_s3_uri', 'status',
  'default_executor', 'code_hash', 'created_by', 'created_at', 'updated_at',
] as const;

const flowKey = (orgId: string, flowName: string, flowVersion: string) => ({ pk: `${orgId}#${flowName}`, sk: flowVersion });

function summaryProjection(): Pick<QueryCommandInput, 'ProjectionExpression' | 'ExpressionAttributeNames'> {
  const names: Record<string, string> = {};
  SUMMARY_FIELDS.forEach((field, i) => (names[`#f${i}`] = field));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}

function toSummary(item: Record<string, unknown>): FlowVersionSummary {
  const out: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) out[field] = item[field] ?? null;
  out.tags = item.tags ?? {};
  return out as unknown as FlowVersionSummary;
}

function toRecord(item: Record<string, unknown>): FlowVersionRecord {
  return { ...toSummary(item), flow_spec_json: item.flow_spec_json as string };
}

export interface FlowListFilter {
  /** Namespace and its sub-namespaces (segment-wise: `data` matches data and data/x, not database). */
  namespace?: string;
  tag?: { key: string; value?: string };
}

/** The only code that knows the Flow table's keys (pk org_id#flow_name, sk flow_version, GSI by-org). */
export class FlowRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One flow version of an organization, or null (also for another org's flow). */
  async get(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionRecord | null> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: flowKey(orgId, flowName, flowVersion), ConsistentRead: true }),
    );
    return out.Item === undefined ? null : toRecord(out.Item);
  }

  /** Every version of a flow (summaries; a flow has few versions, read in full to sort them). */
  async listVersions(orgId: string, flowName: string): Promise<FlowVersionSummary[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `${orgId}#${flowName}` },
      ...summaryProjection(),
    });
    return items.map(toSummary);
  }

  /** Flow versions of an organization ordered by namespace/flow_name#flow_version (by-org GSI). */
  async listByOrg(orgId: string, filter: FlowListFilter, page: PageRequest) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':org': orgId };
    let keyCondition = 'org_id = :org';
    if (filter.namespace !== undefined) {
      keyCondition += ' AND begins_with(org_sort, :prefix)';
      values[':prefix'] = `${filter.namespace}/`;
    }
    let filterExpression: string | undefined;
    if (filter.tag !== undefined) {
      names['#tags'] = 'tags';
      names['#tagKey'] = filter.tag.key;
      if (filter.tag.value === undefined) filterExpression = 'attribute_exists(#tags.#tagKey)';
      else {
        filterExpression = '#tags.#tagKey = :tagValue';
        values[':tagValue'] = filter.tag.value;
      }
    }
    const projection = summaryProjection();
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'by-org',
        KeyConditionExpression: keyCondition,
        FilterExpression: filterExpression,
        ProjectionExpression: projection.ProjectionExpression,
        ExpressionAttributeNames: { ...projection.ExpressionAttributeNames, ...names },
        ExpressionAttributeValues: values,
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toSummary), lastKey: out.LastEvaluatedKey };
  }

  /** Put of a new version; its condition fails when the version already exists. */
  putNew(record: FlowVersionRecord): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...record,
          ...flowKey(record.org_id, record.flow_name, record.flow_version),
          org_sort: `${record.namespace}/${record.flow_name}#${record.flow_version}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Status change, only from the status the writer read (no lost update). */
  setStatus(record: FlowVersionSummary, status: FlowStatus, nowIso: string): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: flowKey(record.org_id, record.flow_name, record.flow_version),
        UpdateExpression: 'SET #status = :to, updated_at = :now',
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': status, ':from': record.status, ':now': nowIso },
      },
    };
  }

  /** Holds a transaction to the version being ACTIVE at write time (deployments pin only those). */
  isActiveCheck(orgId: string, flowName: string, flowVersion: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: flowKey(orgId, flowName, flowVersion),
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'ACTIVE' },
      },
    };
  }
}
