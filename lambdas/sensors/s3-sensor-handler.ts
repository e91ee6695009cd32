import { createS3SensorFunction } from './s3-sensor-app';

export const handler = createS3SensorFunction(process.env);
