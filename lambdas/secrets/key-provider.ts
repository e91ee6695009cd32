// Envelope encryption: each secret gets its own 32-byte data key, stored wrapped next to it.
// The context (it carries org_id) is bound to the wrapping, so one org's wrapped key cannot be
// unwrapped under another org's context.

export type EncryptionContext = Record<string, string>;

export interface DataKey {
  /** 32 raw bytes; callers should zero it (`fill(0)`) once used. */
  plaintextKey: Buffer;
  /** The wrapped data key, base64: safe to store. */
  encryptedKey: string;
}

export interface KeyProvider {
  generateDataKey(context: EncryptionContext): Promise<DataKey>;
  decryptDataKey(encryptedKey: string, context: EncryptionContext): Promise<Buffer>;
}

export const DATA_KEY_BYTES = 32;

/** Raised when a wrapped data key cannot be unwrapped (wrong context, tampering, wrong master key). */
export class DataKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataKeyError';
  }
}

/** Canonical JSON of a context, keys sorted, so the same context always yields the same bytes. */
export function canonicalContext(context: EncryptionContext): string {
  const keys = Object.keys(context).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(context[k])}`).join(',')}}`;
}
