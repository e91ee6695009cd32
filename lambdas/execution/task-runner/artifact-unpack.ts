import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { unzipSync } from 'fflate';

/** What identifies a flow version's code: its artifact and the hash of spec + code. */
export interface ArtifactRef {
  /** s3://<artifacts bucket>/<key>, or null for a flow of http tasks only. */
  artifact_s3_uri: string | null;
  code_hash: string;
}

/** Most bytes an artifact may unpack to (Lambda's /tmp is 512 MB by default). */
export const MAX_UNPACKED_ARTIFACT_BYTES = 400 * 1024 * 1024;

export class ArtifactError extends Error {}

/** s3://bucket/key → {bucket, key}. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null) throw new ArtifactError(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** A ZIP entry name that stays inside the unpack directory (no absolute path, no `..`). */
function safeEntryPath(name: string): string | null {
  const normalized = name.replace(/^(?:\.\/)+/, '');
  if (normalized === '' || normalized.startsWith('/') || normalized.includes('\\') || /^[A-Za-z]:/.test(normalized)) return null;
  const segments = normalized.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  return segments.join(sep);
}

/**
 * Unpacks a ZIP into `target`, atomically: entries go to a staging directory renamed to `target`
 * at the end, so a directory under its final name is always complete. Refuses entries that would
 * land outside it and archives that unpack to more than MAX_UNPACKED_ARTIFACT_BYTES (checked from
 * the central directory before inflating). A `target` that appears meanwhile (another invocation
 * unpacked the same code_hash) is kept.
 */
export async function unpackArtifact(bytes: Uint8Array, target: string, what = 'artifact', limitBytes = MAX_UNPACKED_ARTIFACT_BYTES): Promise<void> {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        total += file.originalSize;
        if (total > limitBytes) throw new ArtifactError(`${what} unpacks to more than ${limitBytes} bytes`);
        return !file.name.endsWith('/');
      },
    });
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(`${what} is not a readable ZIP: ${error instanceof Error ? error.message : String(error)}`);
  }
  const staging = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(staging, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      const relative = safeEntryPath(name);
      if (relative === null) throw new ArtifactError(`${what} entry ${JSON.stringify(name)} points outside the artifact`);
      const path = join(staging, relative);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
    try {
      await rename(staging, target);
    } catch (error) {
      if (!existsSync(target)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
