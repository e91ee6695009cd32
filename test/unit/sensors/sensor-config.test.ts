import { CONFIG_SCHEMAS, orgKeyPrefix, publicConfig } from '../../../lambdas/sensors/sensor-config';
import { zodIssues } from '../../../lambdas/shared/http/validation';

const paths = (type: keyof typeof CONFIG_SCHEMAS, config: unknown) => {
  const out = CONFIG_SCHEMAS[type].safeParse(config);
  return out.success ? [] : zodIssues(out.error, 'config').map((i) => i.path).sort();
};

describe('sensor configuration', () => {
  it('s3: bucket required; prefix and suffix optional', () => {
    expect(paths('s3', {})).toEqual(['config.bucket']);
    expect(paths('s3', { bucket: 'dagy-ingest', prefix: 'in/', suffix: '.csv' })).toEqual([]);
    expect(paths('s3', { bucket: 'dagy-ingest', region: 'x' })).toEqual(['config.region']);
  });

  it('webhook: all optional; a signing secret of at least 16 characters; a positive rate limit', () => {
    expect(paths('webhook', {})).toEqual([]);
    expect(paths('webhook', { signing_secret: 'short', rate_limit_per_minute: 0 })).toEqual(['config.rate_limit_per_minute', 'config.signing_secret']);
  });

  it('polling: kind picks the fields; interval >= 60; value required unless `changed`', () => {
    expect(paths('polling', {})).toEqual(['config.kind']);
    expect(paths('polling', { kind: 'http', interval_seconds: 60 })).toEqual(['config.condition', 'config.field', 'config.url']);
    expect(paths('polling', { kind: 'http', interval_seconds: 59, url: 'https://x.example/a', field: 'a.b[0]', condition: 'equals', value: 1 })).toEqual(['config.interval_seconds']);
    expect(paths('polling', { kind: 'http', interval_seconds: 60, url: 'https://x.example/a', field: 'a', condition: 'greater_than' })).toEqual(['config.value']);
    expect(paths('polling', { kind: 'http', interval_seconds: 60, url: 'https://x.example/a', field: 'a', condition: 'greater_than', value: 'x' })).toEqual(['config.value']);
    expect(paths('polling', { kind: 'http', interval_seconds: 60, url: 'https://x.example/a', field: 'a', condition: 'changed', value: 1 })).toEqual(['config.value']);
    expect(paths('polling', { kind: 'http', interval_seconds: 60, url: 'https://u:p@x.example/a', field: 'a..b', condition: 'changed' })).toEqual(['config.field', 'config.url']);
    expect(paths('polling', { kind: 's3_prefix', interval_seconds: 60 })).toEqual(['config.prefix']);
    expect(paths('polling', { kind: 's3_prefix', interval_seconds: 300, prefix: 'batches/' })).toEqual([]);
  });

  it('never shows the signing secret', () => {
    expect(publicConfig('webhook', { signing_secret: 'x'.repeat(20), rate_limit_per_minute: 5 })).toEqual({ rate_limit_per_minute: 5, signing_secret_set: true });
    expect(publicConfig('webhook', {})).toEqual({ signing_secret_set: false });
  });

  it("reads prefixes under the organization's folder, whatever the prefix names", () => {
    expect(orgKeyPrefix('org-1', undefined)).toBe('org-1/');
    expect(orgKeyPrefix('org-1', 'in/')).toBe('org-1/in/');
    expect(orgKeyPrefix('org-1', 'org-1/in/')).toBe('org-1/in/');
    expect(orgKeyPrefix('org-1', 'org-2/in/')).toBe('org-1/org-2/in/');
  });
});
