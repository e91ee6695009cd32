import { createHash } from 'node:crypto';
import type { NormalizedFlowSpec } from '../engine';
import { canonicalJson } from '../engine';

/**
 * code_hash: SHA-256 (hex) of the canonical normalized spec, a NUL, then the artifact bytes.
 * Canonical JSON never contains a raw NUL, so the two parts cannot be shifted into each other;
 * normalizing first makes a spec that spells out the defaults hash like one that omits them.
 */
export function computeCodeHash(spec: NormalizedFlowSpec, artifact: Uint8Array | null): string {
  const hash = createHash('sha256');
  hash.update(canonicalJson(spec), 'utf8');
  hash.update(Buffer.of(0));
  if (artifact !== null) hash.update(artifact);
  return hash.digest('hex');
}
