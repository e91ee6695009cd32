import { ENV } from '../catalogue/environment';
import { ConfigError } from '../shared/config';
import type { Runtime } from '../shared/runtime';
import type { DataKey, EncryptionContext, KeyProvider } from './key-provider';
import { KmsKeyProvider } from './kms-key-provider';
import { LocalKeyProvider, loadOrCreateLocalMasterKey } from './local-key-provider';

// One provider per key file for the process: the master key is read from disk once.
const localProviders = new Map<string, Promise<KeyProvider>>();

function localProvider(filePath: string): Promise<KeyProvider> {
  let provider = localProviders.get(filePath);
  if (provider === undefined) {
    provider = loadOrCreateLocalMasterKey(filePath).then((key) => new LocalKeyProvider(key));
    // A failed read is not cached: the next call tries again.
    provider.catch(() => localProviders.delete(filePath));
    localProviders.set(filePath, provider);
  }
  return provider;
}

/** Defers to a provider that needs an async start (the local key file) on first use. */
class DeferredKeyProvider implements KeyProvider {
  constructor(private readonly load: () => Promise<KeyProvider>) {}
  async generateDataKey(context: EncryptionContext): Promise<DataKey> {
    return (await this.load()).generateDataKey(context);
  }
  async decryptDataKey(encryptedKey: string, context: EncryptionContext): Promise<Buffer> {
    return (await this.load()).decryptDataKey(encryptedKey, context);
  }
}

/**
 * The key provider a function's configuration names: KMS when DAGY_KMS_KEY_ID is set (AWS),
 * else the local master key file DAGY_LOCAL_KEY_FILE (the local platform).
 */
export function keyProviderFromConfig(runtime: Pick<Runtime, 'config' | 'aws'>): KeyProvider {
  const keyId = runtime.config.optional(ENV.kmsKeyId);
  if (keyId !== undefined) return new KmsKeyProvider(runtime.aws.kms, keyId);
  const keyFile = runtime.config.optional(ENV.localKeyFile);
  if (keyFile === undefined) {
    throw new ConfigError(`function ${runtime.config.functionName}: neither ${ENV.kmsKeyId} nor ${ENV.localKeyFile} is set`);
  }
  return new DeferredKeyProvider(() => localProvider(keyFile));
}
