import { ECS_RUNNER_BUNDLE_KEY, ENV } from '../../catalogue/environment';

/**
 * The contract between whoever starts the ECS runner container (the run state machine's RunInEcs
 * state, the orchestrator's dispatch of `ecs` tasks) and lambdas/execution/ecs-runner.ts: the
 * container overrides' environment variables. Besides the runner bundle's URL they are the
 * presigned URLs of ecs/ecs-order.ts (ECS_ORDER_ENV); the container holds no other binding.
 */
export const RUNNER_ENV = {
  /** Presigned GET of the runner bundle, read by the container's bootstrap (see lib/). */
  runnerUrl: ENV.runnerUrl,
} as const;

/**
 * Where the bundled runner (lambdas/execution/ecs-runner.ts) lives in the artifacts bucket; the
 * container's bootstrap downloads it from a presigned URL. Defined with the environment contract,
 * which lib/ also reads to upload the bundle under this very key.
 */
export const RUNNER_BUNDLE_KEY = ECS_RUNNER_BUNDLE_KEY;

/** Lifetime of the presigned runner URL: the container fetches it when it starts. */
export const RUNNER_URL_TTL_SECONDS = 3600;
