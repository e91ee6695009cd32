/**
 * Values under these keys never leave the system in a log line or an audit record: passwords,
 * tokens, keys and their hashes, secret values, signatures, inline artifacts. (code_hash is a
 * content address, not a credential: it stays readable.)
 */
const SENSITIVE_KEY = /pass(word)?|secret_value|^value$|token|authorization|api_key|^key$|(?<!code_)hash|encrypted|data_key|cookie|signature|zip_base64|^secret$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A deep copy with sensitive values replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSensitiveKey(k) && v !== null && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
