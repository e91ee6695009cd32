import { Tracer } from '@aws-lambda-powertools/tracer';
import { OBSERVABILITY_ENV } from '../catalogue/observability';
import type { EnvSource } from './config';

/** What the client factory needs of a tracer: wrap an SDK v3 client so its calls become subsegments. */
export interface ClientTracer {
  captureAWSv3Client<T>(client: T): T;
}

export type TracerFactory = (serviceName: string, env: EnvSource) => ClientTracer | undefined;

/**
 * Powertools Tracer (X-Ray) for one function, or none: POWERTOOLS_TRACE_ENABLED=false (the local
 * platform sets it) or no Lambda environment means nothing ever tries to reach an X-Ray daemon.
 */
export function createTracer(serviceName: string, env: EnvSource): ClientTracer | undefined {
  if (env[OBSERVABILITY_ENV.traceEnabled] === 'false' || env.AWS_LAMBDA_FUNCTION_NAME === undefined) return undefined;
  const tracer = new Tracer({ serviceName, enabled: true });
  return { captureAWSv3Client: <T>(client: T) => tracer.captureAWSv3Client(client) ?? client };
}
