import { ECS_RUNNER_TASK_SIZE } from '../catalogue/environment';
import { FUNCTIONS } from '../catalogue/functions';
import { ConfigError, type FunctionConfig } from '../shared/config';
import type { ComputeSizes } from './cost-model';

/** What the cost ledger prices with: the deployed compute sizes and the region's prices. */
export interface CostContext {
  sizes: ComputeSizes;
  /** The AWS region the functions run in (its prices apply; see price-table.ts). */
  region: string;
}

/** The compute sizes as deployed: from the functions catalogue and the ECS runner's task size. */
export const DEPLOYED_SIZES: ComputeSizes = {
  taskRunnerMemoryMb: FUNCTIONS['task-runner'].memoryMb,
  orchestratorMemoryMb: FUNCTIONS['run-orchestrator'].memoryMb,
  usageMeterMemoryMb: FUNCTIONS['usage-meter'].memoryMb,
  fargateVcpu: ECS_RUNNER_TASK_SIZE.cpu / 1024,
  fargateMemoryGb: ECS_RUNNER_TASK_SIZE.memoryLimitMiB / 1024,
};

/** The region the local platform's clients use (lambdas/shared/aws-clients.ts). */
const LOCAL_REGION = 'us-east-1';

/**
 * The cost context of a function: Lambda sets AWS_REGION; on the local platform (endpoint
 * overrides set, no AWS_REGION) the emulators' region applies. Anything else is a configuration
 * error at cold start, never a guessed region.
 */
export function costContextOf(config: FunctionConfig): CostContext {
  const region = config.optional('AWS_REGION');
  if (region !== undefined) return { sizes: DEPLOYED_SIZES, region };
  if (config.endpoints.dynamodb !== undefined) return { sizes: DEPLOYED_SIZES, region: LOCAL_REGION };
  throw new ConfigError(`function ${config.functionName}: AWS_REGION is not set (the cost ledger prices by region)`);
}
