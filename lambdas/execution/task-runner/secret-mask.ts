/** What a masked secret is replaced with in task logs, errors and stored outputs. */
export const MASK = '***';

/**
 * Values shorter than this are not masked: masking a one- or two-character value would rewrite
 * unrelated text everywhere and reveal the value by where the stars fall (docs/security.md).
 */
export const MIN_MASKED_LENGTH = 4;

/** The forms a secret value is commonly printed in: as is, base64 (standard and URL-safe), URL-encoded. */
function formsOf(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const forms = [value, base64, base64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url'), encodeURIComponent(value)];
  return [...new Set(forms.filter((f) => f.length >= MIN_MASKED_LENGTH))];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces every declared secret value (and its encoded forms) in text and in JSON values, the
 * way CI systems mask secrets in logs. Built once per attempt from the secrets the task declared.
 */
export class SecretMasker {
  private readonly pattern: RegExp | null;

  constructor(secrets: Readonly<Record<string, string>>) {
    const forms = [...new Set(Object.values(secrets).flatMap(formsOf))];
    // Longest first, so a value is masked whole rather than around a shorter one inside it.
    forms.sort((a, b) => b.length - a.length);
    this.pattern = forms.length === 0 ? null : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }

  get active(): boolean {
    return this.pattern !== null;
  }

  text(value: string): string {
    return this.pattern === null ? value : value.replace(this.pattern, MASK);
  }

  /** A JSON value with every string (keys included) masked. */
  json(value: unknown): unknown {
    if (this.pattern === null) return value;
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.json(item);
      return out;
    }
    return value;
  }
}
