import { lambdaHandler } from '../shared/lambda-entry';
import { createS3SensorFunction } from './s3-sensor-app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = lambdaHandler(createS3SensorFunction);
