import fc from 'fast-check';
import { compareFlowVersions } from '../../../lambdas/flows/flow-version-order';

describe('compareFlowVersions', () => {
  it('orders semantic versions by precedence, not as strings', () => {
    const sorted = ['1.10.0', '1.2.0', '10.0.0', '2.0.0', '1.2.10', '1.2.9', '0.0.1'].sort(compareFlowVersions);
    expect(sorted).toEqual(['0.0.1', '1.2.0', '1.2.9', '1.2.10', '1.10.0', '2.0.0', '10.0.0']);
  });

  it('ranks pre-releases below their release, numerically and then lexically (semver.org §11)', () => {
    const spec = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    const shuffled = [...spec].reverse();
    expect(shuffled.sort(compareFlowVersions)).toEqual(spec);
  });

  it('puts versions that are not semver after every semver one, in string order', () => {
    expect(['latest', '1.0.0', 'v2', '01.0.0', '2.0', 'abc', '0.1.0'].sort(compareFlowVersions)).toEqual(['0.1.0', '1.0.0', '01.0.0', '2.0', 'abc', 'latest', 'v2']);
  });

  it('compares numbers of any size without overflow', () => {
    expect(compareFlowVersions('99999999999999999999.0.0', '100000000000000000000.0.0')).toBeLessThan(0);
  });

  it('is a total order: antisymmetric, transitive, zero only for equal strings', () => {
    const part = fc.oneof(fc.nat({ max: 20 }).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'x-1'));
    const version = fc.oneof(
      fc.tuple(fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.array(part, { maxLength: 3 })).map(
        ([a, b, c, pre]) => `${a}.${b}.${c}${pre.length > 0 ? `-${pre.join('.')}` : ''}`,
      ),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
    );
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(Math.sign(compareFlowVersions(a, b)) + Math.sign(compareFlowVersions(b, a))).toBe(0);
        expect(compareFlowVersions(a, b) === 0).toBe(a === b);
        if (compareFlowVersions(a, b) <= 0 && compareFlowVersions(b, c) <= 0) expect(compareFlowVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});
