import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** Everything that differs between stages, decided once here so no stack branches on the name. */
export interface StageConfig {
  readonly name: StageName;
  /**
   * The install's prefix (context `instance`, default `dagy`): two installs (e.g. two teams) can
   * share an account and region because every fixed name (stacks, event bus, queues, alarms,
   * dashboard, metric namespace) starts with `<instance>-<stage>`.
   */
  readonly instance: string;
  /** `<instance>-<stage>`: the start of every physical name Dagy chooses. */
  readonly prefix: string;
  /** Tables, buckets, keys and log groups: DESTROY lets a dev stack go away cleanly, prod keeps data. */
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  /** Functions' POWERTOOLS_LOG_LEVEL, and the share of invocations logged at DEBUG anyway. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN';
  readonly logSampleRate: number;
  readonly tableDeletionProtection: boolean;
  /** Access logs are evidence: kept longer in prod, expired quickly in dev to stay near zero cost. */
  readonly accessLogExpiration: Duration;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Open signup (POST /v1/auth/signup). Off: the first owner comes from the one-time bootstrap
   * (docs/operations.md) and everyone else is added by an admin. `-c signupEnabled=false`. */
  readonly signupEnabled: boolean;
}

export const DEFAULT_INSTANCE = 'dagy';
const INSTANCE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

const CONFIGS: Record<StageName, Omit<StageConfig, 'instance' | 'prefix'>> = {
  dev: {
    name: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'INFO',
    logSampleRate: 0.1,
    tableDeletionProtection: false,
    accessLogExpiration: Duration.days(30),
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    signupEnabled: true,
  },
  prod: {
    name: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
    logLevel: 'INFO',
    logSampleRate: 0.01,
    tableDeletionProtection: true,
    accessLogExpiration: Duration.days(365),
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    signupEnabled: true,
  },
};

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export function stageConfig(name: StageName, instance: string = DEFAULT_INSTANCE): StageConfig {
  if (!INSTANCE_PATTERN.test(instance)) {
    throw new Error(`Invalid instance ${JSON.stringify(instance)}: lower-case letters, digits and dashes, starting with a letter, at most 20`);
  }
  return { ...CONFIGS[name], instance, prefix: `${instance}-${name}` };
}

/**
 * Reads `-c stage=...` (cdk.json defaults it to dev) and `-c instance=...` (default dagy); an
 * unknown stage or a malformed instance stops the synth.
 */
export function stageFromContext(app: App): StageConfig {
  const raw: unknown = app.node.tryGetContext('stage');
  if (!isStageName(raw)) {
    throw new Error(`Unknown stage ${JSON.stringify(raw)}: pass -c stage=${STAGES.join('|')}`);
  }
  const instance: unknown = app.node.tryGetContext('instance') ?? DEFAULT_INSTANCE;
  if (typeof instance !== 'string') throw new Error(`Invalid instance ${JSON.stringify(instance)}`);
  const signup: unknown = app.node.tryGetContext('signupEnabled');
  if (signup === undefined) return stageConfig(raw, instance);
  if (signup !== true && signup !== false && signup !== 'true' && signup !== 'false') {
    throw new Error(`signupEnabled must be true or false, got ${JSON.stringify(signup)}`);
  }
  return { ...stageConfig(raw, instance), signupEnabled: signup === true || signup === 'true' };
}
