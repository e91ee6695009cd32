import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPlatform, type Platform, type PlatformOptions } from '../../local/platform';

/**
 * A local platform for one integration test file: its own tables (random prefix) on the run's
 * shared DynamoDB Local, its own s3rver, emulator and HTTP port.
 */
export async function startTestPlatform(overrides: Partial<PlatformOptions> = {}): Promise<Platform> {
  const endpoint = process.env.DAGY_TEST_DYNAMODB_ENDPOINT;
  const tmp = process.env.DAGY_TEST_TMP;
  if (endpoint === undefined || tmp === undefined) throw new Error('integration tests need the jest globalSetup (run through jest)');
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  return startPlatform({
    dataDir: mkdtempSync(join(tmp, 'platform-')),
    dynamodbEndpoint: endpoint,
    tablePrefix: prefix,
    ...overrides,
  });
}

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client for the platform's API. */
export function apiClient(baseUrl: string, defaults: Record<string, string> = {}) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> => {
    const init: RequestInit = { method, headers: { ...defaults, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // leave as text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    put: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('PUT', path, body, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('PATCH', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) => call<T>('DELETE', path, undefined, headers),
    withHeaders: (extra: Record<string, string>) => apiClient(baseUrl, { ...defaults, ...extra }),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
