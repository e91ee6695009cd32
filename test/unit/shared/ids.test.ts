import { uuidv7, runSlug, shortId } from '../../../lambdas/shared/ids';

describe('ids', () => {
  it('uuidv7 is a version-7 UUID that sorts by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
  it('run slugs read as adjective-noun-number', () => {
    expect(runSlug()).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });
  it('short ids carry their prefix', () => {
    expect(shortId('sch')).toMatch(/^sch_[a-z2-9]{12}$/);
  });
});
