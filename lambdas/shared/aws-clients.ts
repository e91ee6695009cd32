import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ECSClient } from '@aws-sdk/client-ecs';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { FunctionName } from '../catalogue/functions';
import type { FunctionConfig } from './config';

export interface AwsClients {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly ecs: ECSClient;
  readonly kms: KMSClient;
  readonly ses: SESv2Client;
  readonly sns: SNSClient;
  /** Closes the clients created so far (their keep-alive sockets); a host calls it on shutdown. */
  destroy(): void;
}

/** Emulators on loopback accept any credentials; AWS uses the function's role. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const LOCAL_REGION = 'us-east-1';

function clientOptions(endpoint: string | undefined) {
  return endpoint === undefined ? {} : { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

/**
 * AWS SDK clients for one function, created on first use (a function that never touches ECS
 * never loads it). Endpoint overrides come only from the local platform's environment.
 */
/** Told of every AWS command a function sends: its service key, name, the function's name (benchmarks tell functions apart) and the input (e.g. to count requests per table). */
export type AwsCommandObserver = (service: string, command: string, functionName: FunctionName, input?: unknown) => void;

interface MiddlewareHost {
  middlewareStack: { add(mw: (next: (args: unknown) => unknown, ctx: { commandName?: string }) => (args: unknown) => unknown, opts: { step: 'initialize'; name: string }): void };
}

export function createAwsClients(config: FunctionConfig, observe?: AwsCommandObserver): AwsClients {
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) {
      const client = make();
      // Benchmarks count requests per operation (e.g. DynamoDB calls per authenticated request).
      if (observe !== undefined) {
        (client as unknown as MiddlewareHost).middlewareStack.add(
          (next, ctx) => (args) => {
            observe(key, ctx.commandName ?? 'unknown', config.functionName, (args as { input?: unknown } | null)?.input);
            return next(args);
          },
          { step: 'initialize', name: 'dagyObserveCommands' },
        );
      }
      cache.set(key, client);
    }
    return cache.get(key) as T;
  };
  const e = config.endpoints;
  return {
    get ddb() {
      return lazy('ddb', () =>
        DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(e.dynamodb)), {
          marshallOptions: { removeUndefinedValues: true },
        }),
      );
    },
    get s3() {
      return lazy('s3', () => new S3Client({ ...clientOptions(e.s3), forcePathStyle: e.s3 !== undefined }));
    },
    get events() {
      return lazy('events', () => new EventBridgeClient(clientOptions(e.events)));
    },
    get sfn() {
      return lazy('sfn', () => new SFNClient(clientOptions(e.sfn)));
    },
    get lambda() {
      return lazy('lambda', () => new LambdaClient(clientOptions(e.lambda)));
    },
    get ecs() {
      return lazy('ecs', () => new ECSClient(clientOptions(e.ecs)));
    },
    get kms() {
      return lazy('kms', () => new KMSClient({}));
    },
    get ses() {
      return lazy('ses', () => new SESv2Client(clientOptions(e.ses)));
    },
    get sns() {
      return lazy('sns', () => new SNSClient(clientOptions(e.sns)));
    },
    destroy() {
      for (const client of cache.values()) (client as { destroy(): void }).destroy();
      cache.clear();
    },
  };
}
