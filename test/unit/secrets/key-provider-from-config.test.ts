import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, FUNCTIONS, requiredEnvVars } from '../../../lambdas/catalogue';
import { KmsKeyProvider } from '../../../lambdas/secrets/kms-key-provider';
import { openSecret, sealSecret } from '../../../lambdas/secrets/envelope';
import { keyProviderFromConfig } from '../../../lambdas/secrets/key-provider-from-config';
import { createRuntime } from '../../../lambdas/shared/runtime';

function envWith(extra: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(requiredEnvVars(FUNCTIONS['http-secrets']).map((name) => [name, 'x'])), ...extra };
}

describe('keyProviderFromConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagy-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses KMS when DAGY_KMS_KEY_ID is set (even if a key file is also named)', () => {
    const runtime = createRuntime('http-secrets', envWith({ [ENV.kmsKeyId]: 'arn:aws:kms:eu-west-1:1:key/k', [ENV.localKeyFile]: join(dir, 'unused.key') }));
    expect(keyProviderFromConfig(runtime)).toBeInstanceOf(KmsKeyProvider);
  });

  it('uses the local key file otherwise, creating it once (0600) and sharing it between runtimes', async () => {
    const file = join(dir, 'nested', 'master.key');
    const env = envWith({ [ENV.localKeyFile]: file });
    const first = keyProviderFromConfig(createRuntime('http-secrets', env));
    const context = { org_id: 'o', secret_name: 'S' };
    const sealed = await sealSecret(first, context, 'hello');
    const keyText = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = keyProviderFromConfig(createRuntime('http-secrets', env));
    expect(await openSecret(second, context, sealed)).toBe('hello');
    expect(readFileSync(file, 'utf8')).toBe(keyText);
    await expect(openSecret(second, { ...context, org_id: 'other' }, sealed)).rejects.toThrow();
  });

  it('refuses a function configured with neither', () => {
    const runtime = createRuntime('http-flows', Object.fromEntries(requiredEnvVars(FUNCTIONS['http-flows']).map((name) => [name, 'x'])));
    expect(() => keyProviderFromConfig(runtime)).toThrow(/DAGY_KMS_KEY_ID/);
  });
});
