import { randomBytes } from 'node:crypto';
import type { EncryptionContext, KeyProvider } from '../../../lambdas/secrets/key-provider';
import { LocalKeyProvider } from '../../../lambdas/secrets/local-key-provider';
import { publicConfig } from '../../../lambdas/sensors/sensor-config';
import { SIGNING_SECRET_CACHE_TTL_MS, SigningSecretOpener, sealWebhookConfig, signingSecretContext } from '../../../lambdas/sensors/signing-secret';
import { ManualClock } from '../../../lambdas/shared/clock';

/** A local provider that counts unwraps. */
class CountingProvider implements KeyProvider {
  unwraps = 0;
  constructor(private readonly inner: KeyProvider) {}
  generateDataKey(context: EncryptionContext) {
    return this.inner.generateDataKey(context);
  }
  decryptDataKey(encryptedKey: string, context: EncryptionContext) {
    this.unwraps++;
    return this.inner.decryptDataKey(encryptedKey, context);
  }
}

describe('webhook signing secrets', () => {
  const SECRET = 'whsec-0123456789abcdef';
  let provider: CountingProvider;
  let clock: ManualClock;
  beforeEach(() => {
    provider = new CountingProvider(new LocalKeyProvider(randomBytes(32)));
    clock = new ManualClock(1_000_000);
  });

  it('stores only the sealed form, bound to the org and sensor; the API shows that one is set', async () => {
    const stored = await sealWebhookConfig(provider, 'org-a', 'sen-1', { signing_secret: SECRET, rate_limit_per_minute: 5 });
    expect(stored).toEqual({ rate_limit_per_minute: 5, signing_secret_sealed: { encrypted_value: expect.any(String), encrypted_data_key: expect.any(String) } });
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(publicConfig('webhook', stored)).toEqual({ rate_limit_per_minute: 5, signing_secret_set: true });
    expect(signingSecretContext('org-a', 'sen-1')).toEqual({ org_id: 'org-a', sensor_id: 'sen-1', purpose: 'webhook_signing_secret' });
    const opener = new SigningSecretOpener(provider, clock);
    expect(await opener.secretOf('org-a', 'sen-1', stored)).toBe(SECRET);
    await expect(new SigningSecretOpener(provider, clock).secretOf('org-b', 'sen-1', stored)).rejects.toThrow();
    await expect(new SigningSecretOpener(provider, clock).secretOf('org-a', 'sen-2', stored)).rejects.toThrow();
  });

  it('keeps a config without a secret as is, and reads a legacy plain secret', async () => {
    expect(await sealWebhookConfig(provider, 'org-a', 'sen-1', { rate_limit_per_minute: 5 })).toEqual({ rate_limit_per_minute: 5 });
    const opener = new SigningSecretOpener(provider, clock);
    expect(await opener.secretOf('org-a', 'sen-1', {})).toBeUndefined();
    expect(await opener.secretOf('org-a', 'sen-1', { signing_secret: SECRET })).toBe(SECRET);
    expect(provider.unwraps).toBe(0);
  });

  it('unwraps once per sensor and data key for a few minutes; a rotated key is opened afresh', async () => {
    const opener = new SigningSecretOpener(provider, clock);
    const first = await sealWebhookConfig(provider, 'org-a', 'sen-1', { signing_secret: SECRET });
    for (let i = 0; i < 5; i++) expect(await opener.secretOf('org-a', 'sen-1', first)).toBe(SECRET);
    expect(provider.unwraps).toBe(1);
    const rotated = await sealWebhookConfig(provider, 'org-a', 'sen-1', { signing_secret: 'whsec-rotated-0000000' });
    expect(await opener.secretOf('org-a', 'sen-1', rotated)).toBe('whsec-rotated-0000000');
    expect(provider.unwraps).toBe(2);
    clock.advance(SIGNING_SECRET_CACHE_TTL_MS + 1);
    expect(await opener.secretOf('org-a', 'sen-1', first)).toBe(SECRET);
    expect(provider.unwraps).toBe(3);
  });

  it('holds a bounded number of entries, dropping the oldest', async () => {
    const opener = new SigningSecretOpener(provider, clock, 60_000, 2);
    const configs = await Promise.all(['sen-1', 'sen-2', 'sen-3'].map((id) => sealWebhookConfig(provider, 'org-a', id, { signing_secret: `${SECRET}-${id}` })));
    for (const [i, id] of ['sen-1', 'sen-2', 'sen-3'].entries()) await opener.secretOf('org-a', id, configs[i]!);
    expect(opener.size).toBe(2);
    expect(provider.unwraps).toBe(3);
    await opener.secretOf('org-a', 'sen-3', configs[2]!);
    expect(provider.unwraps).toBe(3);
    await opener.secretOf('org-a', 'sen-1', configs[0]!);
    expect(provider.unwraps).toBe(4);
  });

  it('does not keep a failed open', async () => {
    const opener = new SigningSecretOpener(provider, clock);
    const sealed = await sealWebhookConfig(provider, 'org-a', 'sen-1', { signing_secret: SECRET });
    await expect(opener.secretOf('org-b', 'sen-1', sealed)).rejects.toThrow();
    expect(opener.size).toBe(0);
  });
});
