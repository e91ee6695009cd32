import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { egressPolicyOf } from '../shared/egress';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { createJsonFetcher } from './http-probe';
import { SensorPoller, type PollReport } from './poller';
import { sensorRunDeps } from './runtime-deps';

/** The sensor-poller function (EventBridge rule sensor-poller-tick, every minute). */
export const createPollerFunction: FunctionFactory<unknown, PollReport> = (env, deps) => {
  const runtime = createRuntime('sensor-poller', env, deps);
  const runs = sensorRunDeps(runtime);
  const poller = new SensorPoller({
    ...runs,
    logger: runtime.logger,
    ingestBucket: runtime.config.bucket('ingest'),
    // Loopback endpoints only with the local platform's test flag.
    fetchJson: createJsonFetcher(egressPolicyOf(runtime.config)),
    listObjects: async (bucket, prefix, startAfter, maxKeys) => {
      const out = await runtime.aws.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: maxKeys, ...(startAfter !== undefined ? { StartAfter: startAfter } : {}) }),
      );
      return {
        objects: (out.Contents ?? []).map((o) => ({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: (o.ETag ?? '').replace(/"/g, ''),
          last_modified_ms: o.LastModified?.getTime() ?? 0,
        })),
        truncated: out.IsTruncated === true,
      };
    },
  });
  return async () => poller.tick();
};
