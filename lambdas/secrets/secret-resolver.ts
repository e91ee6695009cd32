import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { openSecret, secretEncryptionContext } from './envelope';
import type { KeyProvider } from './key-provider';
import { SecretRepository, type StoredSecret } from './secret-repository';

export { keyProviderFromConfig } from './key-provider-from-config';

export interface SecretResolverDeps {
  ddb: DynamoDBDocumentClient;
  /** Physical name of the Secret table. */
  secretTable: string;
  keyProvider: KeyProvider;
}

/** Some secrets a run needs do not exist (in its environment or org-wide). */
export class MissingSecretsError extends Error {
  constructor(readonly names: string[]) {
    super(`missing secret(s): ${names.join(', ')}`);
    this.name = 'MissingSecretsError';
  }
}

/**
 * The plaintext of each named secret for a run in `environment` (null: org-wide secrets only).
 * A secret scoped to the environment beats an org-wide one of the same name. Throws
 * MissingSecretsError naming every secret found in neither scope.
 */
export async function resolveSecrets(
  deps: SecretResolverDeps,
  orgId: string,
  environment: string | null,
  names: string[],
): Promise<Record<string, string>> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return {};
  const chosen = await chooseSecrets(new SecretRepository(deps.ddb, deps.secretTable), orgId, environment, wanted);
  const missing = wanted.filter((name) => !chosen.has(name));
  if (missing.length > 0) throw new MissingSecretsError(missing);
  const out: Record<string, string> = {};
  await Promise.all(
    wanted.map(async (name) => {
      const secret = chosen.get(name)!;
      out[name] = await openSecret(deps.keyProvider, secretEncryptionContext(orgId, name, secret.environment), secret);
    }),
  );
  return out;
}

/**
 * The names among `names` that a run in `environment` could not resolve (in neither scope), in
 * their first-seen order. Nothing is decrypted: the run starter refuses such a run up front.
 */
export async function missingSecretNames(
  deps: Omit<SecretResolverDeps, 'keyProvider'>,
  orgId: string,
  environment: string | null,
  names: string[],
): Promise<string[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const chosen = await chooseSecrets(new SecretRepository(deps.ddb, deps.secretTable), orgId, environment, wanted);
  return wanted.filter((name) => !chosen.has(name));
}

/** Each name's secret: the one scoped to the environment, else the org-wide one (absent: neither). */
async function chooseSecrets(repository: SecretRepository, orgId: string, environment: string | null, wanted: string[]): Promise<Map<string, StoredSecret>> {
  const refs = wanted.flatMap((secret_name) => [
    { secret_name, environment: null },
    ...(environment === null ? [] : [{ secret_name, environment }]),
  ]);
  const chosen = new Map<string, StoredSecret>();
  for (const secret of await repository.getMany(orgId, refs)) {
    const current = chosen.get(secret.secret_name);
    if (current === undefined || (current.environment === null && secret.environment !== null)) chosen.set(secret.secret_name, secret);
  }
  return chosen;
}
