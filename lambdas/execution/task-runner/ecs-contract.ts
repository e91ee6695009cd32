import { ECS_RUNNER_BUNDLE_KEY, ENV } from '../../catalogue/environment';

/**
 * The contract between whoever starts the ECS runner container (the run state machine's RunInEcs
 * state, the orchestrator's dispatch of `ecs` tasks) and lambdas/execution/ecs-runner.ts: the
 * container overrides' environment variables. The container also carries the task runner's
 * bindings (tables, buckets, bus), set on its definition by the infrastructure.
 */
export const RUNNER_ENV = {
  /** `dag`: the whole run (executor ecs); `task`: one attempt of one task (executor step-functions). */
  mode: 'DAGY_RUNNER_MODE',
  orgId: 'DAGY_ORG_ID',
  runId: 'DAGY_RUN_ID',
  /** task mode: the task, its attempt, and the loop token to redeem on completion. */
  taskName: 'DAGY_TASK_NAME',
  attempt: 'DAGY_ATTEMPT',
  taskToken: 'DAGY_TASK_TOKEN',
  loopIteration: 'DAGY_LOOP_ITERATION',
  heartbeatSeconds: 'DAGY_HEARTBEAT_SECONDS',
  /** Presigned GET of the runner bundle, read by the container's bootstrap (see lib/). */
  runnerUrl: ENV.runnerUrl,
} as const;

export type RunnerMode = 'dag' | 'task';

/**
 * Where the bundled runner (lambdas/execution/ecs-runner.ts) lives in the artifacts bucket; the
 * container's bootstrap downloads it from a presigned URL. Defined with the environment contract,
 * which lib/ also reads to upload the bundle under this very key.
 */
export const RUNNER_BUNDLE_KEY = ECS_RUNNER_BUNDLE_KEY;

/** Lifetime of the presigned runner URL: the container fetches it when it starts. */
export const RUNNER_URL_TTL_SECONDS = 3600;
