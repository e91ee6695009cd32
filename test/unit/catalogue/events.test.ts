import { matchesPattern, RULES, FUNCTIONS } from '../../../lambdas/catalogue';

const event = (detail: unknown, source = 'aws.s3', type = 'Object Created') => ({ source, 'detail-type': type, detail });

describe('event pattern matching (EventBridge subset)', () => {
  const pattern = { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['ingest'] } } };

  it('matches on source, detail-type and nested detail alternatives', () => {
    expect(matchesPattern(pattern, event({ bucket: { name: 'ingest' } }))).toBe(true);
    expect(matchesPattern(pattern, event({ bucket: { name: 'other' } }))).toBe(false);
    expect(matchesPattern(pattern, event({ bucket: { name: 'ingest' } }, 'aws.ec2'))).toBe(false);
    expect(matchesPattern(pattern, event({ bucket: { name: 'ingest' } }, 'aws.s3', 'Object Deleted'))).toBe(false);
    expect(matchesPattern(pattern, event({}))).toBe(false);
  });

  it('supports prefix and exists', () => {
    expect(matchesPattern({ detail: { key: [{ prefix: 'in/' }] } }, event({ key: 'in/a.csv' }))).toBe(true);
    expect(matchesPattern({ detail: { key: [{ prefix: 'in/' }] } }, event({ key: 'out/a.csv' }))).toBe(false);
    expect(matchesPattern({ detail: { key: [{ exists: false }] } }, event({}))).toBe(true);
  });
});

describe('rules catalogue', () => {
  it('every rule targets a catalogued function', () => {
    for (const rule of RULES) expect(FUNCTIONS[rule.target]).toBeDefined();
  });
});
