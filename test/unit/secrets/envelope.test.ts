import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret, secretEncryptionContext } from '../../../lambdas/secrets/envelope';
import { FernetError, fernetDecrypt, fernetKeyFromBytes } from '../../../lambdas/secrets/fernet';
import { DataKeyError } from '../../../lambdas/secrets/key-provider';
import type { DataKey, EncryptionContext, KeyProvider } from '../../../lambdas/secrets/key-provider';
import { LocalKeyProvider } from '../../../lambdas/secrets/local-key-provider';

describe('envelope', () => {
  const provider = new LocalKeyProvider(randomBytes(32));
  const ctx = secretEncryptionContext('org-a', 'DB_PASSWORD', 'prod');

  it('seals and opens a value', async () => {
    const sealed = await sealSecret(provider, ctx, 'hunter2 — ünïcode ✓');
    expect(sealed.encrypted_value).not.toContain('hunter2');
    expect(await openSecret(provider, ctx, sealed)).toBe('hunter2 — ünïcode ✓');
  });

  it('uses a fresh data key per value', async () => {
    const a = await sealSecret(provider, ctx, 'same');
    const b = await sealSecret(provider, ctx, 'same');
    expect(a.encrypted_data_key).not.toBe(b.encrypted_data_key);
    expect(a.encrypted_value).not.toBe(b.encrypted_value);
  });

  it('will not open under another org, secret name or environment', async () => {
    const sealed = await sealSecret(provider, ctx, 'v');
    for (const other of [
      secretEncryptionContext('org-b', 'DB_PASSWORD', 'prod'),
      secretEncryptionContext('org-a', 'OTHER', 'prod'),
      secretEncryptionContext('org-a', 'DB_PASSWORD'),
    ]) {
      await expect(openSecret(provider, other, sealed)).rejects.toThrow(DataKeyError);
    }
  });

  it('refuses a tampered value', async () => {
    const sealed = await sealSecret(provider, ctx, 'value');
    const raw = Buffer.from(sealed.encrypted_value, 'base64url');
    raw[30] ^= 1;
    const tampered = raw.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    await expect(openSecret(provider, ctx, { ...sealed, encrypted_value: tampered })).rejects.toThrow(FernetError);
  });

  it('uses the data key itself as the Fernet key and zeroes it afterwards', async () => {
    let handedOut: Buffer | undefined;
    let copy: Buffer | undefined;
    const spy: KeyProvider = {
      async generateDataKey(c: EncryptionContext): Promise<DataKey> {
        const k = await provider.generateDataKey(c);
        handedOut = k.plaintextKey;
        copy = Buffer.from(k.plaintextKey);
        return k;
      },
      decryptDataKey: (e, c) => provider.decryptDataKey(e, c),
    };
    const sealed = await sealSecret(spy, ctx, 'v');
    expect(fernetDecrypt(fernetKeyFromBytes(copy!), sealed.encrypted_value).toString()).toBe('v');
    expect(handedOut!.equals(Buffer.alloc(32))).toBe(true);
  });

  it('builds contexts that always carry org_id', () => {
    expect(secretEncryptionContext('o', 's')).toEqual({ org_id: 'o', secret_name: 's' });
    expect(secretEncryptionContext('o', 's', null)).toEqual({ org_id: 'o', secret_name: 's' });
    expect(secretEncryptionContext('o', 's', 'dev')).toEqual({ org_id: 'o', secret_name: 's', environment: 'dev' });
  });
});
