import type { EntityName } from './entities';
import { ENTITIES } from './entities';

export type KeyType = 'S' | 'N';
export interface KeyAttribute {
  name: string;
  type: KeyType;
  /** How the value is built, e.g. "org_id#flow_name": documentation that the repositories follow. */
  format: string;
}

export interface IndexDef {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Sparse: the key attributes are written only while the item should be findable here. */
  sparse?: boolean;
  projection: 'ALL' | 'KEYS_ONLY';
  purpose: string;
}

export interface TableDef {
  entity: EntityName;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Org-scoped tables: every partition key value starts with org_id (tenant isolation in the key). */
  orgScoped: boolean;
  ttlAttribute?: string;
  indexes: IndexDef[];
}

const S = (name: string, format: string): KeyAttribute => ({ name, type: 'S', format });
const N = (name: string, format: string): KeyAttribute => ({ name, type: 'N', format });

/** Number of shards of the due-schedules index: spreads the evaluator's reads over partitions. */
export const SCHEDULE_DUE_SHARDS = 8;
/** Number of shards of the Run table's `active` index (runs QUEUED or RUNNING), swept by the reconciler. */
export const RUN_ACTIVE_SHARDS = 4;

/**
 * Every table, keyed by entity. Composite keys use generic `pk`/`sk` attributes so that the
 * partition key can start with org_id and still carry the natural identifier; items also carry
 * every seed field under its own name.
 */
export const TABLES: Record<EntityName, TableDef> = {
  Flow: {
    entity: 'Flow',
    partitionKey: S('pk', 'org_id#flow_name'),
    sortKey: S('sk', 'flow_version'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-org',
        partitionKey: S('org_id', 'org_id'),
        sortKey: S('org_sort', 'namespace/flow_name#flow_version'),
        projection: 'ALL',
        purpose: 'list flows of an org, filtered by namespace prefix (begins_with)',
      },
    ],
  },
  Deployment: {
    entity: 'Deployment',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('deployment_name', 'deployment_name'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-flow',
        partitionKey: S('flow_key', 'org_id#flow_name'),
        sortKey: S('deployment_name', 'deployment_name'),
        projection: 'ALL',
        purpose: 'deployments of a flow',
      },
    ],
  },
  Run: {
    entity: 'Run',
    partitionKey: S('pk', 'org_id#run_id (runs) | org_id#idem#<key> (idempotency records)'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [
      {
        name: 'by-org',
        partitionKey: S('org_id', 'org_id'),
        sortKey: S('created_sort', 'created_at#run_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'runs of an org, newest first',
      },
      {
        name: 'by-flow',
        partitionKey: S('flow_key', 'org_id#flow_name'),
        sortKey: S('created_sort', 'created_at#run_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'runs for a flow, newest first',
      },
      {
        name: 'by-deployment',
        partitionKey: S('deployment_key', 'org_id#deployment_name'),
        sortKey: S('created_sort', 'created_at#run_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'runs of a deployment, newest first',
      },
      {
        name: 'by-status',
        partitionKey: S('status_key', 'org_id#status'),
        sortKey: S('created_sort', 'created_at#run_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'runs of an org in a status, newest first',
      },
      {
        // by-status is per org (org_id#status): a sweep across every org reads this one instead.
        name: 'active',
        partitionKey: S('active_shard', `shard-0..shard-${RUN_ACTIVE_SHARDS - 1} by hash of org_id#run_id (present only while QUEUED or RUNNING)`),
        sortKey: S('created_sort', 'created_at#run_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'runs not yet terminal, oldest first, across orgs: the run reconciler sweeps it',
      },
    ],
  },
  TaskRun: {
    entity: 'TaskRun',
    partitionKey: S('pk', 'org_id#run_id'),
    sortKey: S('task_name', 'task_name'),
    orgScoped: true,
    indexes: [],
  },
  Schedule: {
    entity: 'Schedule',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('schedule_id', 'schedule_id'),
    orgScoped: true,
    indexes: [
      {
        name: 'due',
        partitionKey: S('due_shard', `shard-0..shard-${SCHEDULE_DUE_SHARDS - 1} by hash of org_id#schedule_id (present only while enabled with a next slot)`),
        sortKey: N('next_run_epoch', 'epoch seconds'),
        sparse: true,
        projection: 'ALL',
        purpose: 'due schedules: enabled=true, next_run_epoch <= now, sharded',
      },
      {
        name: 'by-flow',
        partitionKey: S('flow_key', 'org_id#flow_name'),
        sortKey: S('schedule_id', 'schedule_id'),
        projection: 'KEYS_ONLY',
        purpose: 'schedules of a flow',
      },
    ],
  },
  User: {
    entity: 'User',
    partitionKey: S('pk', 'user#user_id | email#normalized_email | loginfail#normalized_email | loginsrc#source_ip | bootstrap#first-owner (one per platform)'),
    orgScoped: false,
    ttlAttribute: 'expires_at_epoch',
    indexes: [],
  },
  AccessToken: {
    entity: 'AccessToken',
    partitionKey: S('token_hash', 'sha256 hex of the token'),
    orgScoped: false,
    ttlAttribute: 'expires_at_epoch',
    indexes: [
      {
        name: 'by-user',
        partitionKey: S('user_id', 'user_id'),
        sortKey: S('created_at', 'ISO'),
        projection: 'KEYS_ONLY',
        purpose: 'tokens of a user (revoke all)',
      },
    ],
  },
  AccessLog: {
    entity: 'AccessLog',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('sk', 'request_time#request_id'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [],
  },
  Organization: {
    entity: 'Organization',
    partitionKey: S('org_id', 'org_id'),
    orgScoped: true,
    indexes: [],
  },
  Membership: {
    entity: 'Membership',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('user_id', 'user_id'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-user',
        partitionKey: S('user_id', 'user_id'),
        sortKey: S('org_id', 'org_id'),
        projection: 'ALL',
        purpose: "a user's organizations",
      },
    ],
  },
  ApiKey: {
    entity: 'ApiKey',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('key_id', 'key_id'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-hash',
        partitionKey: S('key_hash', 'sha256 hex of the key'),
        projection: 'ALL',
        purpose: 'authorizer: resolve a presented key by its hash',
      },
    ],
  },
  DagDraft: {
    entity: 'DagDraft',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('draft_id', 'draft_id'),
    orgScoped: true,
    indexes: [],
  },
  UsageEvent: {
    entity: 'UsageEvent',
    partitionKey: S('pk', 'org_id#yyyy-mm-dd'),
    sortKey: S('sk', 'event_time#event_id'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [],
  },
  UsageAggregate: {
    entity: 'UsageAggregate',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('sk', 'period#metric | limits#period#runs_admitted (the plan quota counter) | limits#<resource> (the guard of a capped resource)'),
    orgScoped: true,
    indexes: [],
  },
  Subscription: {
    entity: 'Subscription',
    partitionKey: S('org_id', 'org_id'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-lease-shard',
        partitionKey: S('lease_shard', 'shard-0..shard-3 by hash of org_id (present once the org has held a run slot lease)'),
        sparse: true,
        projection: 'ALL',
        purpose: 'the lease sweep: organizations that may hold an expired run slot lease',
      },
    ],
  },
  AuditLog: {
    entity: 'AuditLog',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('event_time', 'ISO timestamp#uuid'),
    orgScoped: true,
    indexes: [
      {
        name: 'by-resource',
        partitionKey: S('resource_key', 'org_id#resource_type#resource_id'),
        sortKey: S('event_time', 'ISO timestamp#uuid'),
        projection: 'ALL',
        purpose: 'audit trail of a resource',
      },
    ],
  },
  Secret: {
    entity: 'Secret',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('sk', 'environment|*#secret_name'),
    orgScoped: true,
    indexes: [],
  },
  NotificationChannel: {
    entity: 'NotificationChannel',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('channel_id', 'channel_id (channels) | channel_id#delivery#<created_at>#<delivery_id> (deliveries, TTL)'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [],
  },
  AlertRule: {
    entity: 'AlertRule',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('rule_id', 'rule_id (rules) | fired#<rule_id>#<run_id> (one alert per rule and run, PENDING until sent, TTL)'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [
      {
        name: 'sla-rules',
        partitionKey: S('sla_shard', 'shard-0..shard-3 by hash of org_id#rule_id (present only on enabled run_duration_exceeded and budget_threshold rules); pending#shard-N on firing marks while PENDING'),
        sortKey: S('sla_sort', 'org_id#rule_id'),
        sparse: true,
        projection: 'ALL',
        purpose: 'enabled SLA rules of every org: the periodic evaluation reads only these',
      },
    ],
  },
  Environment: {
    entity: 'Environment',
    partitionKey: S('org_id', 'org_id'),
    sortKey: S('env_name', 'env_name'),
    orgScoped: true,
    indexes: [],
  },
  Sensor: {
    entity: 'Sensor',
    partitionKey: S('pk', 'org_id (sensors) | org_id#sensor_id#rate (webhook rate counters, TTL)'),
    sortKey: S('sk', 'sensor_id | <rate window start, epoch s>'),
    orgScoped: true,
    ttlAttribute: 'expires_at_epoch',
    indexes: [
      {
        name: 'by-webhook-token',
        partitionKey: S('webhook_token_hash', 'sha256 hex of the webhook token'),
        sparse: true,
        projection: 'ALL',
        purpose: 'find sensor by webhook token (hashed)',
      },
      {
        name: 'by-s3-bucket',
        partitionKey: S('s3_bucket', 'bucket#org_id (present only on enabled s3 sensors; ingest keys are <org_id>/...)'),
        sortKey: S('sk', 'sensor_id'),
        sparse: true,
        projection: 'ALL',
        purpose: "an organization's enabled s3 sensors of a bucket (an object event reads only its own org's)",
      },
      {
        name: 'poll-due',
        partitionKey: S('poll_shard', 'shard-0..shard-3 by hash of org_id#sensor_id (present only on enabled polling sensors)'),
        sortKey: N('next_poll_epoch', 'epoch seconds'),
        sparse: true,
        projection: 'ALL',
        purpose: 'polling sensors due for a poll',
      },
    ],
  },
};

export const TABLE_LIST: TableDef[] = ENTITIES.map((e) => TABLES[e]);

/** The seed's access patterns and the key or index that serves each (checked by infra tests). */
export interface AccessPattern {
  pattern: string;
  entity: EntityName;
  index: string | null; // null: the table's own key
  operation: 'GetItem' | 'Query';
}

export const SEED_ACCESS_PATTERNS: AccessPattern[] = [
  { pattern: 'Get flow by name + version', entity: 'Flow', index: null, operation: 'GetItem' },
  { pattern: 'List flows for org', entity: 'Flow', index: 'by-org', operation: 'Query' },
  { pattern: 'Get runs for flow', entity: 'Run', index: 'by-flow', operation: 'Query' },
  { pattern: 'Get due schedules', entity: 'Schedule', index: 'due', operation: 'Query' },
  { pattern: 'List members of org', entity: 'Membership', index: null, operation: 'Query' },
  { pattern: 'Get audit trail for resource', entity: 'AuditLog', index: 'by-resource', operation: 'Query' },
  { pattern: 'List secrets for environment', entity: 'Secret', index: null, operation: 'Query' },
  { pattern: 'Find sensor by webhook token', entity: 'Sensor', index: 'by-webhook-token', operation: 'Query' },
];
