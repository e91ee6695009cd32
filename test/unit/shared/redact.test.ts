import { redact } from '../../../lambdas/shared/redact';
import { createLogger } from '../../../lambdas/shared/logger';

describe('redact', () => {
  it('replaces sensitive values at any depth and keeps the rest', () => {
    const out = redact({ email: 'a@b.c', password: 'hunter2', nested: [{ token_hash: 'abc', key_hash: 'def', name: 'x' }], value: 's3cret' });
    expect(out).toEqual({ email: 'a@b.c', password: '[redacted]', nested: [{ token_hash: '[redacted]', key_hash: '[redacted]', name: 'x' }], value: '[redacted]' });
  });

  it('the logger never prints a redacted value', () => {
    const lines: string[] = [];
    createLogger('t', (l) => lines.push(l)).info('m', { authorization: 'Bearer dagy_at_xyz', ok: 1 });
    expect(lines[0]).not.toContain('dagy_at_xyz');
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'm', ok: 1, authorization: '[redacted]' });
  });
});

describe('redact keeps content addresses', () => {
  it('code_hash stays readable while key hashes are redacted', () => {
    expect(redact({ code_hash: 'abc', key_hash: 'def' })).toEqual({ code_hash: 'abc', key_hash: '[redacted]' });
  });
});
