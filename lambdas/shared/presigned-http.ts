import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/*
 * GET and PUT of presigned S3 URLs for the untrusted side (the code executor's artifact download,
 * an ECS container's work order, result and cancel marker), over node:http(s) rather than fetch():
 * a process's first fetch() loads and compiles undici (~20 ms here), and these are the first
 * requests a fresh container or code executor makes, on a run's critical path. Presigned URLs are
 * platform-made (S3's), never a tenant's: the egress guard is for those (shared/egress).
 */

export interface PresignedResponse {
  status: number;
  body: Buffer;
}

/** Sends one request; the body is read whole. Rejects on a network error or when `signal` aborts. */
export function presignedRequest(url: string, options: { method: 'GET' | 'PUT'; body?: string | Uint8Array; signal: AbortSignal }): Promise<PresignedResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      reject(new Error(`not an http(s) URL: ${target.protocol}`));
      return;
    }
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    const req = send(target, { method: options.method, signal: options.signal, headers: body === undefined ? {} : { 'content-length': body.byteLength } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
      // Aborted or cut off mid-body: 'end' never comes (a later resolve or reject is ignored).
      res.on('close', () => {
        if (!res.complete) reject(new Error('the response was cut short'));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function isOk(response: PresignedResponse): boolean {
  return response.status >= 200 && response.status < 300;
}
