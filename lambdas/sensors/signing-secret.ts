// A webhook sensor's HMAC signing secret at rest: envelope-encrypted with the secrets domain's
// building blocks (a fresh data key per value, wrapped by KMS in AWS or the local key file), under
// a context that binds it to its organization and sensor. The Sensor item's config_json holds
// only `signing_secret_sealed`; the API shows `signing_secret_set`.
//
// Sensors written before sealing may still hold a plain `signing_secret` in config_json: it is
// still used to verify deliveries, and the sensor's next PATCH (any change) stores it sealed.
import type { Clock } from '../shared/clock';
import { openSecret, sealSecret, type SealedSecret } from '../secrets/envelope';
import type { EncryptionContext, KeyProvider } from '../secrets/key-provider';
import type { StoredWebhookConfig } from './sensor-config';

export const SIGNING_SECRET_PURPOSE = 'webhook_signing_secret';
/** How long an opened secret is kept in memory, and for how many sensors at most. */
export const SIGNING_SECRET_CACHE_TTL_MS = 5 * 60_000;
export const SIGNING_SECRET_CACHE_MAX = 500;

export function signingSecretContext(orgId: string, sensorId: string): EncryptionContext {
  return { org_id: orgId, sensor_id: sensorId, purpose: SIGNING_SECRET_PURPOSE };
}

/** The configuration to store: a plain signing secret (new, or a legacy one) replaced by its sealed form. */
export async function sealWebhookConfig(provider: KeyProvider, orgId: string, sensorId: string, config: StoredWebhookConfig): Promise<StoredWebhookConfig> {
  const { signing_secret, ...rest } = config;
  if (signing_secret === undefined) return rest;
  return { ...rest, signing_secret_sealed: await sealSecret(provider, signingSecretContext(orgId, sensorId), signing_secret) };
}

interface CacheEntry {
  encryptedValue: string;
  expiresAtMs: number;
  secret: Promise<string>;
}

/**
 * Opens sealed signing secrets, keeping each one in memory for a few minutes per (sensor_id,
 * encrypted_data_key): a busy webhook does not unwrap its data key on every delivery, and a
 * rotated secret (a new data key) is never served from the old entry. Bounded: past `maxEntries`
 * the oldest entry goes.
 */
export class SigningSecretOpener {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    private readonly provider: KeyProvider,
    private readonly clock: Clock,
    private readonly ttlMs = SIGNING_SECRET_CACHE_TTL_MS,
    private readonly maxEntries = SIGNING_SECRET_CACHE_MAX,
  ) {}

  /** The plaintext secret of a webhook configuration; undefined when the sensor has none. */
  secretOf(orgId: string, sensorId: string, config: StoredWebhookConfig): Promise<string | undefined> {
    const sealed = config.signing_secret_sealed;
    if (sealed !== undefined) return this.open(orgId, sensorId, sealed);
    return Promise.resolve(config.signing_secret);
  }

  private open(orgId: string, sensorId: string, sealed: SealedSecret): Promise<string> {
    const key = `${orgId}\u0000${sensorId}\u0000${sealed.encrypted_data_key}`;
    const now = this.clock.nowMs();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expiresAtMs > now && hit.encryptedValue === sealed.encrypted_value) return hit.secret;
    this.entries.delete(key);
    const secret = openSecret(this.provider, signingSecretContext(orgId, sensorId), sealed);
    const entry: CacheEntry = { encryptedValue: sealed.encrypted_value, expiresAtMs: now + this.ttlMs, secret };
    // A failure is not cached: the next delivery tries again.
    secret.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return secret;
  }

  /** Entries held (tests). */
  get size(): number {
    return this.entries.size;
  }
}
