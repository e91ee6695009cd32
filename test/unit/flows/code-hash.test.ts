import { parseFlowSpec } from '../../../lambdas/engine';
import { computeCodeHash } from '../../../lambdas/flows/code-hash';

const base = { tasks: [{ name: 'a', type: 'code', handler: 'a.js:run' }] };

describe('computeCodeHash', () => {
  it('is the same for a spec that spells out the defaults and one that omits them', () => {
    const explicit = { tasks: [{ type: 'code', handler: 'a.js:run', name: 'a', retries: 0, timeout_seconds: 300 }], edges: [], outputs: {} };
    expect(computeCodeHash(parseFlowSpec(explicit), Buffer.from('zip'))).toBe(computeCodeHash(parseFlowSpec(base), Buffer.from('zip')));
  });

  it('changes with the spec and with every byte of the artifact', () => {
    const hash = computeCodeHash(parseFlowSpec(base), Buffer.from('zip'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeCodeHash(parseFlowSpec({ tasks: [{ ...base.tasks[0], retries: 1 }] }), Buffer.from('zip'))).not.toBe(hash);
    expect(computeCodeHash(parseFlowSpec(base), Buffer.from('zipp'))).not.toBe(hash);
    expect(computeCodeHash(parseFlowSpec(base), null)).not.toBe(hash);
  });

  it('tells no artifact from an empty one only by the bytes that follow the separator', () => {
    expect(computeCodeHash(parseFlowSpec(base), null)).toBe(computeCodeHash(parseFlowSpec(base), new Uint8Array(0)));
  });
});
