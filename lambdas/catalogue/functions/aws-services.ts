import type { Capability, FunctionDef } from './types';

/** The AWS services a function may reach through its clients (lambdas/shared/aws-clients.ts). */
export const AWS_SERVICES = ['ddb', 's3', 'events', 'sfn', 'lambda', 'ecs', 'kms', 'ses', 'sns'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

const SERVICE_OF_CAPABILITY: Record<Capability, AwsService> = {
  'kms:secrets': 'kms',
  'events:put': 'events',
  'states:start': 'sfn',
  'states:callback': 'sfn',
  'lambda:invoke-task-runner': 'lambda',
  'lambda:invoke-code-executor': 'lambda',
  'ecs:run-task': 'ecs',
  'ses:send': 'ses',
  'sns:publish': 'sns',
};

/**
 * The services a function is granted by its catalogue entry: DynamoDB when it binds a table, S3
 * when it binds a bucket for more than its name, and one service per capability. Only these
 * clients are built for it, locally too, and only these go into its Lambda bundle
 * (lib/constructs/function-bundling.ts): a client the role could not use is dead weight at
 * every cold start.
 */
export function awsServicesOf(def: FunctionDef): Set<AwsService> {
  const services = new Set<AwsService>();
  if (Object.keys(def.tables).length > 0) services.add('ddb');
  if (Object.values(def.buckets).some((access) => access !== 'name')) services.add('s3');
  for (const capability of def.capabilities) services.add(SERVICE_OF_CAPABILITY[capability]);
  return services;
}
