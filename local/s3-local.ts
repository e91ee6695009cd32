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

/**
 * s3rver on loopback with the given buckets created; its object events feed the local bus. Port 0
 * takes a free port (the endpoint says which): s3rver's own listen never reports a port in use.
 */
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
  headBucketWithoutListing(server);
  const { port: actualPort } = (await server.run()) as { port: number };
  // As on the AWS emulator (local/aws-emulator.ts): idle keep-alive sockets stay open, so a
  // request sent on one never races the server closing it.
  (server as unknown as { httpServer?: { keepAliveTimeout: number } }).httpServer!.keepAliveTimeout = 0;
  const listeners: Array<(record: S3NotificationRecord) => void> = [];
  server.on('event', (event: { Records: S3NotificationRecord[] }) => {
    for (const record of event.Records) for (const listener of listeners) listener(record);
  });
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    onObjectEvent: (listener) => listeners.push(listener),
    // Every connection closed first: clients' idle keep-alive sockets no longer time out on their
    // own, and a graceful close would wait for them.
    stop: () => {
      (server as unknown as { httpServer?: { closeAllConnections(): void } }).httpServer?.closeAllConnections();
      return server.close();
    },
  };
}

/** What of s3rver (a Koa application) the HEAD shortcut uses. */
interface KoaLike {
  middleware: Array<(ctx: { method: string; path: string; querystring: string; status: number; body: unknown; app: { store: { getBucket(name: string): Promise<unknown> } } }, next: () => Promise<void>) => Promise<void>>;
}

/**
 * HeadBucket answered from the bucket's directory alone. s3rver routes HEAD /<bucket> to its GET
 * handler, which lists the whole bucket, stat-ing every object synchronously: every health check
 * (GET /v1/health sends a HeadBucket) then blocked the platform's event loop for a time that grew
 * with every run's outputs and logs. Same answer as S3: 200 when the bucket exists, else 404.
 */
function headBucketWithoutListing(server: unknown): void {
  const app = server as KoaLike;
  app.middleware.unshift(async (ctx, next) => {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    if (ctx.method !== 'HEAD' || bucket === undefined || ctx.querystring !== '') return next();
    ctx.status = (await ctx.app.store.getBucket(decodeURIComponent(bucket))) === null ? 404 : 200;
  });
}
