import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { sensorRunDeps } from './runtime-deps';
import { handleObjectCreated, type S3SensorReport } from './s3-sensor';

/** The s3-sensor function (EventBridge rule ingest-object-created: S3 Object Created in the ingest bucket). */
export const createS3SensorFunction: FunctionFactory<unknown, S3SensorReport> = (env, deps) => {
  const runtime = createRuntime('s3-sensor', env, deps);
  const runs = sensorRunDeps(runtime);
  return async (event) => handleObjectCreated({ ...runs, logger: runtime.logger }, event, (bucket, org) => runs.repo.s3SensorsOf(bucket, org));
};
