import type { Runtime } from '../../shared/runtime';
import type { KeyProvider } from '../../secrets/key-provider';
import { keyProviderFromConfig, resolveSecrets } from '../../secrets/secret-resolver';

/** The plaintext of the secrets a task declared (only those), for one run's organization. */
export interface SecretSource {
  resolve(orgId: string, names: readonly string[]): Promise<Record<string, string>>;
}

/**
 * Secrets through the secrets domain's resolver (Secret table + KMS, or the local key file).
 * Org-wide secrets: the Run carries no environment to scope them further.
 */
export function secretSourceFromRuntime(runtime: Runtime): SecretSource {
  let keyProvider: KeyProvider | undefined;
  return {
    async resolve(orgId, names) {
      if (names.length === 0) return {};
      keyProvider ??= keyProviderFromConfig(runtime);
      return resolveSecrets({ ddb: runtime.aws.ddb, secretTable: runtime.config.table('Secret'), keyProvider }, orgId, null, [...names]);
    },
  };
}
