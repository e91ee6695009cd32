import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** Everything that differs between stages, decided once here so no stack branches on the name. */
export interface StageConfig {
  readonly name: StageName;
  /** Tables, buckets, keys and log groups: DESTROY lets a dev stack go away cleanly, prod keeps data. */
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly tableDeletionProtection: boolean;
  /** Access logs are evidence: kept longer in prod, expired quickly in dev to stay near zero cost. */
  readonly accessLogExpiration: Duration;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Open signup (POST /v1/auth/signup). Off: the first owner comes from the one-time bootstrap
   * (docs/operations.md) and everyone else is added by an admin. `-c signupEnabled=false`. */
  readonly signupEnabled: boolean;
}

const CONFIGS: Record<StageName, StageConfig> = {
  dev: {
    name: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    tableDeletionProtection: false,
    accessLogExpiration: Duration.days(30),
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    signupEnabled: true,
  },
  prod: {
    name: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
    tableDeletionProtection: true,
    accessLogExpiration: Duration.days(365),
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    signupEnabled: true,
  },
};

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export function stageConfig(name: StageName): StageConfig {
  return CONFIGS[name];
}

/** Reads `-c stage=...` (cdk.json defaults it to dev); an unknown stage stops the synth. */
export function stageFromContext(app: App): StageConfig {
  const raw: unknown = app.node.tryGetContext('stage');
  if (!isStageName(raw)) {
    throw new Error(`Unknown stage ${JSON.stringify(raw)}: pass -c stage=${STAGES.join('|')}`);
  }
  const signup: unknown = app.node.tryGetContext('signupEnabled');
  if (signup === undefined) return stageConfig(raw);
  if (signup !== true && signup !== false && signup !== 'true' && signup !== 'false') {
    throw new Error(`signupEnabled must be true or false, got ${JSON.stringify(signup)}`);
  }
  return { ...stageConfig(raw), signupEnabled: signup === true || signup === 'true' };
}
