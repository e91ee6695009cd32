/** The 21 entities of the data model (seed/data-model.txt), in its order. */
export const ENTITIES = [
  'Flow',
  'Deployment',
  'Run',
  'TaskRun',
  'Schedule',
  'User',
  'AccessToken',
  'AccessLog',
  'Organization',
  'Membership',
  'ApiKey',
  'DagDraft',
  'UsageEvent',
  'UsageAggregate',
  'Subscription',
  'AuditLog',
  'Secret',
  'NotificationChannel',
  'AlertRule',
  'Environment',
  'Sensor',
] as const;

export type EntityName = (typeof ENTITIES)[number];

/** Environment variable that carries an entity's physical table name, e.g. DAGY_TABLE_TASK_RUN. */
export function tableEnvVar(entity: EntityName): string {
  return `DAGY_TABLE_${entity.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** kebab-case name used for local tables and CDK construct ids, e.g. task-run. */
export function entitySlug(entity: EntityName): string {
  return entity.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
