import { instrumentedFunction } from '../shared/instrument';
import { createS3SensorFunction } from './s3-sensor-app';

/** Lambda entry: the factory with process.env, wrapped for request ids, correlation keys and error stacks. */
export const handler = instrumentedFunction(createS3SensorFunction, process.env);
