import {
  OBSERVABILITY_ENV,
  BUCKET_ENV,
  CAPABILITY_ENV,
  ENV,
  FUNCTIONS,
  TENANT_EGRESS_FUNCTIONS,
  tableEnvVar,
  type BucketName,
  type EntityName,
  type FunctionName,
} from '../lambdas/catalogue';

/** The local values of every resource a function can be bound to. */
export interface LocalResources {
  stage: string;
  tables: Record<EntityName, string>;
  buckets: Record<BucketName, string>;
  eventBusName: string;
  stateMachineArn: string;
  localKeyFile: string;
  emulatorEndpoint: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** Functions' log level (npm start --log-level); INFO when absent. */
  logLevel?: string;
  /** Tenant requests may reach loopback receivers (the platform's test flag; never by default). */
  allowLoopbackEgress?: boolean;
}

const CAPABILITY_VALUES = (r: LocalResources): Record<string, string> => ({
  [ENV.eventBusName]: r.eventBusName,
  [ENV.stateMachineArn]: r.stateMachineArn,
  [ENV.taskRunnerFunction]: 'task-runner',
  [ENV.codeExecutorFunction]: 'code-executor',
  [ENV.ecsCluster]: 'arn:aws:ecs:us-east-1:000000000000:cluster/dagy-local',
  [ENV.ecsTaskDefinition]: 'arn:aws:ecs:us-east-1:000000000000:task-definition/dagy-runner:1',
  [ENV.ecsSubnets]: 'subnet-local',
  [ENV.ecsSecurityGroup]: 'sg-local',
  [ENV.ecsContainerName]: 'runner',
  // Any address: the local SES (local/notifications-outbox.ts) records the message, sends nothing.
  [ENV.alertEmailFrom]: 'alerts@dagy.local',
});

/**
 * The environment of one function on the local platform: the same variables CDK sets (from the
 * same catalogue), with local values, plus endpoint overrides pointing at the local emulators.
 */
export function localFunctionEnv(name: FunctionName, r: LocalResources): Record<string, string> {
  const def = FUNCTIONS[name];
  const env: Record<string, string> = { [ENV.stage]: r.stage };
  for (const entity of Object.keys(def.tables) as EntityName[]) env[tableEnvVar(entity)] = r.tables[entity];
  for (const bucket of Object.keys(def.buckets) as BucketName[]) env[BUCKET_ENV[bucket]] = r.buckets[bucket];
  const values = CAPABILITY_VALUES(r);
  for (const capability of def.capabilities) {
    for (const variable of CAPABILITY_ENV[capability]) env[variable] = values[variable]!;
    if (capability === 'kms:secrets') env[ENV.localKeyFile] = r.localKeyFile;
  }
  env[ENV.dynamodbEndpoint] = r.dynamodbEndpoint;
  env[ENV.s3Endpoint] = r.s3Endpoint;
  env[ENV.eventsEndpoint] = r.emulatorEndpoint;
  env[ENV.sfnEndpoint] = r.emulatorEndpoint;
  env[ENV.lambdaEndpoint] = r.emulatorEndpoint;
  env[ENV.ecsEndpoint] = r.emulatorEndpoint;
  // Powertools as CDK sets it, except what would reach AWS: no X-Ray, no EMF lines on stdout.
  env[OBSERVABILITY_ENV.serviceName] = name;
  env[OBSERVABILITY_ENV.logLevel] = r.logLevel ?? 'INFO';
  env[OBSERVABILITY_ENV.traceEnabled] = 'false';
  env[OBSERVABILITY_ENV.metricsDisabled] = 'true';
  env[ENV.sesEndpoint] = r.emulatorEndpoint;
  env[ENV.snsEndpoint] = r.emulatorEndpoint;
  if (r.allowLoopbackEgress === true && TENANT_EGRESS_FUNCTIONS.includes(name)) env[ENV.egressAllowLoopbackHttp] = 'true';
  return env;
}
