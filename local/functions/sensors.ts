import type { FunctionLoaders } from './types';

/** Factories of the sensors domain's functions (the same ones its Lambda entries call). */
export const SENSORS_LOADERS: FunctionLoaders = {
  'http-sensors': async () => (await import('../../lambdas/sensors/app')).createFunction,
  's3-sensor': async () => (await import('../../lambdas/sensors/s3-sensor-app')).createS3SensorFunction,
  'sensor-poller': async () => (await import('../../lambdas/sensors/poller-app')).createPollerFunction,
};
