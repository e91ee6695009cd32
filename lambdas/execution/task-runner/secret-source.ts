import type { Runtime } from '../../shared/runtime';
import type { KeyProvider } from '../../secrets/key-provider';
import { keyProviderFromConfig, resolveSecrets } from '../../secrets/secret-resolver';
import { RunRepository } from '../run-repository';

/** The plaintext of the secrets a task declared (only those), for one run. */
export interface SecretSource {
  resolve(orgId: string, runId: string, names: readonly string[]): Promise<Record<string, string>>;
}

/**
 * Secrets through the secrets domain's resolver (Secret table + KMS, or the local key file),
 * scoped by the run's environment (a secret of that environment beats an org-wide one). The run
 * is read only for tasks that declare secrets.
 */
export function secretSourceFromRuntime(runtime: Runtime): SecretSource {
  let keyProvider: KeyProvider | undefined;
  const runs = new RunRepository({ ddb: runtime.aws.ddb, tableName: runtime.config.table('Run'), clock: runtime.clock });
  return {
    async resolve(orgId, runId, names) {
      if (names.length === 0) return {};
      keyProvider ??= keyProviderFromConfig(runtime);
      const run = await runs.get(orgId, runId);
      const environment = run?.environment ?? null;
      return resolveSecrets({ ddb: runtime.aws.ddb, secretTable: runtime.config.table('Secret'), keyProvider }, orgId, environment, [...names]);
    },
  };
}
