// Seal/open one secret value: a fresh data key per value, used as the Fernet key; the value is
// stored as the Fernet token and the data key only in wrapped form.
import { fernetDecrypt, fernetEncrypt, fernetKeyFromBytes } from './fernet';
import type { EncryptionContext, KeyProvider } from './key-provider';

export interface SealedSecret {
  /** Fernet token of the value. */
  encrypted_value: string;
  /** The data key wrapped by the provider (base64). */
  encrypted_data_key: string;
}

/**
 * The context secrets are sealed under. Naming the secret (and its environment) binds each
 * ciphertext to its row, so a value copied onto another row or org fails to open.
 */
export function secretEncryptionContext(orgId: string, secretName: string, environment?: string | null): EncryptionContext {
  const context: EncryptionContext = { org_id: orgId, secret_name: secretName };
  if (environment) context.environment = environment;
  return context;
}

export async function sealSecret(provider: KeyProvider, context: EncryptionContext, plaintext: string): Promise<SealedSecret> {
  const { plaintextKey, encryptedKey } = await provider.generateDataKey(context);
  try {
    return { encrypted_value: fernetEncrypt(fernetKeyFromBytes(plaintextKey), plaintext), encrypted_data_key: encryptedKey };
  } finally {
    plaintextKey.fill(0);
  }
}

export async function openSecret(provider: KeyProvider, context: EncryptionContext, sealed: SealedSecret): Promise<string> {
  const dataKey = await provider.decryptDataKey(sealed.encrypted_data_key, context);
  try {
    return fernetDecrypt(fernetKeyFromBytes(dataKey), sealed.encrypted_value).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}
