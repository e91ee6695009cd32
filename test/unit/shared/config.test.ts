import { loadFunctionConfig, ConfigError } from '../../../lambdas/shared/config';
import { FUNCTIONS, requiredEnvVars, tableEnvVar, ENV } from '../../../lambdas/catalogue';

function fullEnv(name: keyof typeof FUNCTIONS): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of requiredEnvVars(FUNCTIONS[name])) env[v] = `value-of-${v}`;
  return env;
}

describe('loadFunctionConfig', () => {
  it('reads every bound table and bucket from the environment', () => {
    const env = fullEnv('http-flows');
    const config = loadFunctionConfig('http-flows', env);
    expect(config.table('Flow')).toBe(`value-of-${tableEnvVar('Flow')}`);
    expect(config.bucket('artifacts')).toBe(`value-of-${ENV.artifactsBucket}`);
  });

  it('refuses to start when a variable is missing, naming it', () => {
    const env = fullEnv('http-flows');
    delete env[tableEnvVar('Flow')];
    expect(() => loadFunctionConfig('http-flows', env)).toThrow(ConfigError);
    expect(() => loadFunctionConfig('http-flows', env)).toThrow(/DAGY_TABLE_FLOW/);
  });

  it('treats an empty value as missing (no silent default)', () => {
    const env = { ...fullEnv('http-platform'), [ENV.stage]: '' };
    expect(() => loadFunctionConfig('http-platform', env)).toThrow(/DAGY_STAGE/);
  });

  it('refuses a table the function is not bound to', () => {
    const config = loadFunctionConfig('http-flows', fullEnv('http-flows'));
    expect(() => config.table('User')).toThrow(/not bound/);
  });

  it('needs a KMS key id or a local key file for kms:secrets', () => {
    const name = 'http-secrets';
    expect(FUNCTIONS[name].capabilities).toContain('kms:secrets');
    expect(() => loadFunctionConfig(name, fullEnv(name))).toThrow(/DAGY_KMS_KEY_ID/);
    expect(() => loadFunctionConfig(name, { ...fullEnv(name), [ENV.kmsKeyId]: 'alias/x' })).not.toThrow();
  });

  it('every function requires a table variable for each table it binds', () => {
    for (const def of Object.values(FUNCTIONS)) {
      const vars = requiredEnvVars(def);
      for (const entity of Object.keys(def.tables)) expect(vars).toContain(tableEnvVar(entity as never));
    }
  });
});
