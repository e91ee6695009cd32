import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

/** What s3rver emits for object events: the S3 notification format (Records[]). */
export interface S3NotificationRecord {
  eventName: string;
  eventTime: string;
  s3: {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

export interface S3LocalHandle {
  endpoint: string;
  onObjectEvent(listener: (record: S3NotificationRecord) => void): void;
  stop(): Promise<void>;
}

/** s3rver on loopback with the given buckets created; its object events feed the local bus. */
export async function startS3Local(port: number, dataDir: string, buckets: string[]): Promise<S3LocalHandle> {
  mkdirSync(dataDir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dataDir,
    silent: true,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  await server.run();
  const listeners: Array<(record: S3NotificationRecord) => void> = [];
  server.on('event', (event: { Records: S3NotificationRecord[] }) => {
    for (const record of event.Records) for (const listener of listeners) listener(record);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onObjectEvent: (listener) => listeners.push(listener),
    stop: () => server.close(),
  };
}
