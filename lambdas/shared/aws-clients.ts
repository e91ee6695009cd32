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
import { awsServicesOf, FUNCTIONS, type AwsService, type FunctionName } from '../catalogue/functions';
import { ConfigError, type FunctionConfig } from './config';
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

// Build-time switches: lib/constructs/function-bundling.ts defines each as true or false in every
// Lambda bundle (awsServicesOf the function), so a false one makes its client's branch below dead
// code and esbuild leaves that SDK client out of the bundle. Unbundled (tsx, jest, the local
// platform) they are not declared at all, which the typeof tests allow.
declare const __DAGY_AWS_DDB__: boolean | undefined;
declare const __DAGY_AWS_S3__: boolean | undefined;
declare const __DAGY_AWS_EVENTS__: boolean | undefined;
declare const __DAGY_AWS_SFN__: boolean | undefined;
declare const __DAGY_AWS_LAMBDA__: boolean | undefined;
declare const __DAGY_AWS_ECS__: boolean | undefined;
declare const __DAGY_AWS_KMS__: boolean | undefined;
declare const __DAGY_AWS_SES__: boolean | undefined;
declare const __DAGY_AWS_SNS__: boolean | undefined;

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
  const granted = awsServicesOf(FUNCTIONS[config.functionName]);
  const cache = new Map<string, unknown>();
  // `make` is undefined where the bundle was built without the client (see the switches above).
  const lazy = <T>(key: AwsService, make: (() => T) | undefined): T => {
    if (!cache.has(key)) {
      // Locally as in Lambda: a service the catalogue grants no access to has no client (its
      // calls would be denied in AWS anyway, and its SDK client is not in the bundle).
      if (!granted.has(key) || make === undefined) {
        throw new ConfigError(`function ${config.functionName} has no ${key} client: its catalogue entry (lambdas/catalogue/functions) grants no ${key} access`);
      }
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
      return lazy(
        'ddb',
        typeof __DAGY_AWS_DDB__ === 'undefined' || __DAGY_AWS_DDB__
          ? () => DynamoDBDocumentClient.from(traced(new DynamoDBClient(clientOptions(e.dynamodb))), { marshallOptions: { removeUndefinedValues: true } })
          : undefined,
      );
    },
    get s3() {
      return lazy('s3', typeof __DAGY_AWS_S3__ === 'undefined' || __DAGY_AWS_S3__ ? () => traced(new S3Client({ ...clientOptions(e.s3), forcePathStyle: e.s3 !== undefined })) : undefined);
    },
    get events() {
      return lazy('events', typeof __DAGY_AWS_EVENTS__ === 'undefined' || __DAGY_AWS_EVENTS__ ? () => traced(new EventBridgeClient(clientOptions(e.events))) : undefined);
    },
    get sfn() {
      return lazy('sfn', typeof __DAGY_AWS_SFN__ === 'undefined' || __DAGY_AWS_SFN__ ? () => traced(new SFNClient(clientOptions(e.sfn))) : undefined);
    },
    get lambda() {
      return lazy('lambda', typeof __DAGY_AWS_LAMBDA__ === 'undefined' || __DAGY_AWS_LAMBDA__ ? () => traced(new LambdaClient(clientOptions(e.lambda))) : undefined);
    },
    get ecs() {
      return lazy('ecs', typeof __DAGY_AWS_ECS__ === 'undefined' || __DAGY_AWS_ECS__ ? () => traced(new ECSClient(clientOptions(e.ecs))) : undefined);
    },
    get kms() {
      return lazy('kms', typeof __DAGY_AWS_KMS__ === 'undefined' || __DAGY_AWS_KMS__ ? () => traced(new KMSClient({})) : undefined);
    },
    get ses() {
      return lazy('ses', typeof __DAGY_AWS_SES__ === 'undefined' || __DAGY_AWS_SES__ ? () => new SESv2Client(clientOptions(e.ses)) : undefined);
    },
    get sns() {
      return lazy('sns', typeof __DAGY_AWS_SNS__ === 'undefined' || __DAGY_AWS_SNS__ ? () => new SNSClient(clientOptions(e.sns)) : undefined);
    },
    destroy() {
      for (const client of cache.values()) (client as { destroy(): void }).destroy();
      cache.clear();
    },
  };
}
