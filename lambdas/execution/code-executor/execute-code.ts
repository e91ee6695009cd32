import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isOk, presignedRequest } from '../../shared/presigned-http';
import { unpackArtifact } from '../task-runner/artifact-unpack';
import type { CodeAttemptRequest, CodeAttemptResponse } from './contract';
import { SandboxPool } from './task-sandbox';

/** How long the presigned artifact download may take. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * Flow artifacts unpacked under `root`, one directory per code_hash, fetched from the presigned
 * URL the runner sends (the executor holds no credential to read the bucket itself). The hash is
 * the cache key: a directory once unpacked under it is complete and never changes.
 */
export class PresignedArtifactCache {
  private readonly unpacked = new Map<string, Promise<string>>();

  constructor(private readonly root: string) {}

  directory(codeHash: string, url: string): Promise<string> {
    let pending = this.unpacked.get(codeHash);
    if (pending === undefined) {
      pending = this.fetchAndUnpack(codeHash, url);
      pending.catch(() => this.unpacked.delete(codeHash));
      this.unpacked.set(codeHash, pending);
    }
    return pending;
  }

  private async fetchAndUnpack(codeHash: string, url: string): Promise<string> {
    const target = join(this.root, codeHash);
    if (existsSync(target)) return target;
    const response = await presignedRequest(url, { method: 'GET', signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!isOk(response)) throw new Error(`cannot download the flow artifact (HTTP ${response.status})`);
    await unpackArtifact(response.body, target, 'flow artifact');
    return target;
  }
}

/**
 * The code executor: runs one attempt of tenant code from the artifact in a sandbox process
 * (pooled per code version; this executor serves one organization) and answers with its output and
 * log. Never rejects.
 */
export class CodeExecutor {
  private readonly pool = new SandboxPool();

  constructor(private readonly artifacts: PresignedArtifactCache) {}

  async run(request: CodeAttemptRequest, signal?: AbortSignal): Promise<CodeAttemptResponse> {
    let directory: string;
    try {
      directory = await this.artifacts.directory(request.artifact.code_hash, request.artifact.url);
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error), log: '' };
    }
    const modulePath = request.module.replace(/^(?:\.\/)+/, '');
    const file = join(directory, ...modulePath.split('/'));
    if (!file.startsWith(directory + sep) || !existsSync(file)) {
      return { ok: false, error: `module ${modulePath} not found in the flow artifact`, log: '' };
    }
    return this.pool.run(request.artifact.code_hash, {
      moduleUrl: pathToFileURL(file).href,
      modulePath,
      exportName: request.export,
      args: request.args,
      timeoutMs: request.timeout_ms,
      timeoutMessage: request.timeout_message,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Fetches the artifact and starts `count` sandbox processes for it at once, ahead of the attempts
   * a host is about to run (see SandboxPool.prewarm). Never rejects: a download that fails here
   * fails those attempts, saying why, when they ask for it.
   */
  async prewarm(artifact: CodeAttemptRequest['artifact'], count: number): Promise<void> {
    try {
      this.pool.prewarm(artifact.code_hash, await this.artifacts.directory(artifact.code_hash, artifact.url), count);
    } catch {
      // the attempts report it
    }
  }

  close(): void {
    this.pool.close();
  }
}
