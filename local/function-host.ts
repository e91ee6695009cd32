import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../lambdas/catalogue';
import { instrumentedFunction } from '../lambdas/shared/instrument';
import type { FunctionDeps, FunctionHandler } from '../lambdas/shared/runtime';
import { FUNCTION_LOADERS } from './functions';

export interface FunctionHost {
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  has(name: FunctionName): boolean;
}

function lambdaContext(name: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Hosts the functions in this process: one instance per function, created on first use. */
export function createFunctionHost(envFor: (name: FunctionName) => Record<string, string>, deps: FunctionDeps): FunctionHost {
  const instances = new Map<FunctionName, Promise<FunctionHandler<never, unknown>>>();
  return {
    has: (name) => FUNCTION_LOADERS[name] !== undefined,
    async invoke(name, event) {
      let instance = instances.get(name);
      if (instance === undefined) {
        const loader = FUNCTION_LOADERS[name];
        if (loader === undefined) throw new Error(`function ${name} is not available on the local platform`);
        // Wrapped as the Lambda entries are: request ids, correlation keys, error stacks in the logs.
        instance = loader().then((factory) => instrumentedFunction(factory, envFor(name), deps));
        instances.set(name, instance);
      }
      const handler = await instance;
      return handler(event as never, lambdaContext(name, 900_000));
    },
  };
}
