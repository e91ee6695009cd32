import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionName } from '../lambdas/catalogue';
import type { Clock } from '../lambdas/shared/clock';
import type { AwsEmulator } from './aws-emulator';
import type { LocalEventBus } from './event-bus';
import type { LocalResources } from './function-env';
import { startLocalEcs } from './ecs/local-ecs';
import { startLocalStepFunctions } from './step-functions/local-step-functions';
import { startLocalOutbox } from './notifications-outbox';

/** What the local platform offers to the parts that plug into it (state machine runner, ECS). */
export interface PlatformContext {
  resources: LocalResources;
  emulator: AwsEmulator;
  bus: LocalEventBus;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  clock: Clock;
  dataDir: string;
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  envFor(name: FunctionName): Record<string, string>;
  log(line: string): void;
}

export interface ExtensionHandle {
  stop(): Promise<void>;
}

export type PlatformExtension = (context: PlatformContext) => Promise<ExtensionHandle>;

/**
 * Extensions started with every local platform, in order: ECS (the runner container as a child
 * process) before Step Functions (the run state machine), whose ecs:runTask.sync states use it.
 */
export const PLATFORM_EXTENSIONS: PlatformExtension[] = [startLocalEcs, startLocalStepFunctions, startLocalOutbox];
