import { FUNCTIONS, type FunctionName } from '../catalogue/functions';
import { ENV, requiredEnvVars, BUCKET_ENV } from '../catalogue/environment';
import type { BucketName } from '../catalogue/functions';
import { tableEnvVar, type EntityName } from '../catalogue/entities';

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Everything a function reads from its environment, checked once at cold start. */
export interface FunctionConfig {
  readonly functionName: FunctionName;
  readonly stage: string;
  /** Physical name of a bound table; throws for a table the function is not bound to. */
  table(entity: EntityName): string;
  bucket(bucket: BucketName): string;
  /** Value of a variable this function's capabilities require (checked present at load). */
  required(name: string): string;
  optional(name: string): string | undefined;
  readonly endpoints: {
    dynamodb?: string;
    s3?: string;
    events?: string;
    sfn?: string;
    lambda?: string;
    ecs?: string;
    ses?: string;
    sns?: string;
  };
}

export class ConfigError extends Error {}

/**
 * Reads and checks the configuration of one function. A missing variable is an error naming it,
 * never a guess: a wrong table name would silently read or write the wrong data.
 */
export function loadFunctionConfig(functionName: FunctionName, env: EnvSource): FunctionConfig {
  const def = FUNCTIONS[functionName];
  const needed = requiredEnvVars(def);
  const missing = needed.filter((name) => !env[name]);
  if (def.capabilities.includes('kms:secrets') && !env[ENV.kmsKeyId] && !env[ENV.localKeyFile]) {
    missing.push(`${ENV.kmsKeyId} (or ${ENV.localKeyFile} locally)`);
  }
  if (missing.length > 0) {
    throw new ConfigError(`function ${functionName}: missing environment variable(s): ${missing.join(', ')}`);
  }
  const value = (name: string): string => env[name] as string;
  return {
    functionName,
    stage: value(ENV.stage),
    table(entity) {
      if (def.tables[entity] === undefined) {
        throw new ConfigError(`function ${functionName} is not bound to table ${entity}`);
      }
      return value(tableEnvVar(entity));
    },
    bucket(bucket) {
      if (def.buckets[bucket] === undefined) {
        throw new ConfigError(`function ${functionName} is not bound to bucket ${bucket}`);
      }
      return value(BUCKET_ENV[bucket]);
    },
    required(name) {
      const v = env[name];
      if (!v) throw new ConfigError(`function ${functionName}: missing environment variable ${name}`);
      return v;
    },
    optional: (name) => env[name] || undefined,
    endpoints: {
      dynamodb: env[ENV.dynamodbEndpoint] || undefined,
      s3: env[ENV.s3Endpoint] || undefined,
      events: env[ENV.eventsEndpoint] || undefined,
      sfn: env[ENV.sfnEndpoint] || undefined,
      lambda: env[ENV.lambdaEndpoint] || undefined,
      ecs: env[ENV.ecsEndpoint] || undefined,
      ses: env[ENV.sesEndpoint] || undefined,
      sns: env[ENV.snsEndpoint] || undefined,
    },
  };
}
