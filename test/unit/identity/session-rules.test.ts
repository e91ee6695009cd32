import { bearerSecret } from '../../../lambdas/identity/credential-resolver';
import { defaultEnvironmentItems } from '../../../lambdas/identity/default-environments';
import { normalizeEmail } from '../../../lambdas/identity/emails';
import { IDENTITY_DEFAULTS, IDENTITY_ENV, loadIdentitySettings } from '../../../lambdas/identity/identity-config';
import { sessionAuditOrg } from '../../../lambdas/identity/services/audit-org';
import { loadFunctionConfig } from '../../../lambdas/shared/config';
import { localFunctionEnv } from '../../../local/function-env';
import { localTableNames } from '../../../local/tables';

describe('bearerSecret', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('reads %p', (header, secret) => {
    expect(bearerSecret(header)).toBe(secret);
  });

  it.each([undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'abc'])('refuses %p', (header) => {
    expect(bearerSecret(header)).toBeNull();
  });
});

describe('sessionAuditOrg', () => {
  it('prefers the selected organization when the user belongs to it', () => {
    expect(sessionAuditOrg({ b: 'viewer', a: 'owner' }, 'b')).toBe('b');
  });
  it('falls back to the first organization in a stable order, ignoring foreign selections', () => {
    expect(sessionAuditOrg({ b: 'viewer', a: 'owner' }, 'zzz')).toBe('a');
    expect(sessionAuditOrg({ b: 'viewer', a: 'owner' }, undefined)).toBe('a');
  });
  it('has none for a user without organizations', () => {
    expect(sessionAuditOrg({}, 'a')).toBeNull();
  });
});

describe('identity settings', () => {
  const env = () =>
    localFunctionEnv('http-identity', {
      stage: 'test',
      tables: localTableNames('u-'),
      buckets: { artifacts: 'a', ingest: 'i' },
      eventBusName: 'bus',
      stateMachineArn: 'arn',
      localKeyFile: '/tmp/key',
      emulatorEndpoint: 'http://127.0.0.1:1',
      dynamodbEndpoint: 'http://127.0.0.1:2',
      s3Endpoint: 'http://127.0.0.1:3',
    });

  it('defaults to a 12 hour token lifetime and 5 failures per 15 minutes', () => {
    const settings = loadIdentitySettings(loadFunctionConfig('http-identity', env()));
    expect(settings).toEqual({ accessTokenTtlSeconds: 12 * 3600, loginMaxFailures: 5, loginMaxFailuresPerSource: 50, loginLockoutSeconds: 900, signupEnabled: true });
    expect(settings.accessTokenTtlSeconds).toBe(IDENTITY_DEFAULTS.accessTokenTtlSeconds);
  });

  it('reads overrides and refuses nonsense', () => {
    const config = loadFunctionConfig('http-identity', { ...env(), [IDENTITY_ENV.accessTokenTtlSeconds]: '3600' });
    expect(loadIdentitySettings(config).accessTokenTtlSeconds).toBe(3600);
    const bad = loadFunctionConfig('http-identity', { ...env(), [IDENTITY_ENV.loginMaxFailures]: '0' });
    expect(() => loadIdentitySettings(bad)).toThrow(/DAGY_LOGIN_MAX_FAILURES/);
  });

  it('reads DAGY_SIGNUP_ENABLED as exactly "true" or "false"', () => {
    const off = loadFunctionConfig('http-identity', { ...env(), [IDENTITY_ENV.signupEnabled]: 'false' });
    expect(loadIdentitySettings(off).signupEnabled).toBe(false);
    const on = loadFunctionConfig('http-identity', { ...env(), [IDENTITY_ENV.signupEnabled]: 'true' });
    expect(loadIdentitySettings(on).signupEnabled).toBe(true);
    const bad = loadFunctionConfig('http-identity', { ...env(), [IDENTITY_ENV.signupEnabled]: 'no' });
    expect(() => loadIdentitySettings(bad)).toThrow('DAGY_SIGNUP_ENABLED must be "true" or "false", got "no"');
  });
});

describe('default environments', () => {
  it('are dev, staging and a protected production, as seed Environment items', () => {
    const items = defaultEnvironmentItems('org-1', '2026-01-01T00:00:00.000Z');
    expect(items).toEqual(
      ['dev', 'staging', 'production'].map((env_name) => ({
        org_id: 'org-1',
        env_name,
        default_executor: 'lambda',
        config_json: '{}',
        is_protected: env_name === 'production',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      })),
    );
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
});
