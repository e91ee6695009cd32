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
import type { ClientTracer } from './tracer';

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

/**
 * A middleware a host adds to every client of a function (the local platform's fault injection):
 * it sees the function, the service key ('ddb', 's3', …), the command name and the input, and may
 * throw instead of calling next.
 */
export interface AwsCall {
  functionName: string;
  service: string;
  command: string;
  input: unknown;
}
export type AwsClientMiddleware = (call: AwsCall, next: () => Promise<unknown>) => Promise<unknown>;

interface MiddlewareHost {
  middlewareStack: {
    add(
      mw: (next: (args: { input: unknown }) => Promise<unknown>, ctx: { commandName?: string }) => (args: { input: unknown }) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

export interface AwsClientOptions {
  observe?: AwsCommandObserver | undefined;
  /** Powertools Tracer: every client's calls become X-Ray subsegments (absent locally). */
  tracer?: ClientTracer | undefined;
  middleware?: AwsClientMiddleware | undefined;
}

/**
 * AWS SDK clients for one function, created on first use (a function that never touches ECS
 * never loads it), traced when a tracer is given. Endpoint overrides come only from the local
 * platform's environment. This is the one factory of AWS clients in lambdas/.
 */
export function createAwsClients(config: FunctionConfig, options: AwsClientOptions = {}): AwsClients {
  const { observe, tracer, middleware } = options;
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) {
      const client = make();
      const stack = (client as unknown as MiddlewareHost).middlewareStack;
      // Benchmarks count requests per operation (e.g. DynamoDB calls per authenticated request).
      if (observe !== undefined) {
        stack.add(
          (next, ctx) => (args) => {
            observe(key, ctx.commandName ?? 'unknown', config.functionName, (args as { input?: unknown } | null)?.input);
            return next(args);
          },
          { step: 'initialize', name: 'dagyObserveCommands' },
        );
      }
      if (middleware !== undefined) {
        stack.add((next, ctx) => (args) => middleware({ functionName: config.functionName, service: key, command: ctx.commandName ?? 'unknown', input: args.input }, () => next(args)), {
          step: 'initialize',
          name: 'dagyHostMiddleware',
        });
      }
      cache.set(key, client);
    }
    return cache.get(key) as T;
  };
  const traced = <T>(client: T): T => (tracer === undefined ? client : tracer.captureAWSv3Client(client));
  const e = config.endpoints;
  return {
    get ddb() {
      return lazy('ddb', () =>
        DynamoDBDocumentClient.from(traced(new DynamoDBClient(clientOptions(e.dynamodb))), {
          marshallOptions: { removeUndefinedValues: true },
        }),
      );
    },
    get s3() {
      return lazy('s3', () => traced(new S3Client({ ...clientOptions(e.s3), forcePathStyle: e.s3 !== undefined })));
    },
    get events() {
      return lazy('events', () => traced(new EventBridgeClient(clientOptions(e.events))));
    },
    get sfn() {
      return lazy('sfn', () => traced(new SFNClient(clientOptions(e.sfn))));
    },
    get lambda() {
      return lazy('lambda', () => traced(new LambdaClient(clientOptions(e.lambda))));
    },
    get ecs() {
      return lazy('ecs', () => traced(new ECSClient(clientOptions(e.ecs))));
    },
    get kms() {
      return lazy('kms', () => traced(new KMSClient({})));
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
