import { createServer, type Server } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A local HTTP receiver for alert deliveries: records every request; each path answers with the
 * statuses queued for it (in order), then 200.
 */
export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  on(path: string): ReceivedRequest[];
  /** Queue answers for a path, e.g. [500, 500] then the default 200. */
  answer(path: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const queued = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = queued.get(path.split('?')[0]!)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    on: (path) => received.filter((r) => r.path.split('?')[0] === path),
    answer: (path, statuses) => queued.set(path, [...statuses]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
