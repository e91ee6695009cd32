import { readFileSync } from 'node:fs';
import { ROUTES, routeKey } from '../../../lambdas/catalogue';

// Keeps the README's API overview true: every catalogued route is listed there, and nothing else.
describe('README API overview', () => {
  const readme = readFileSync('README.md', 'utf8');
  it('lists every route of the catalogue', () => {
    const missing = ROUTES.map(routeKey).filter((key) => !readme.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
  it('lists no route the catalogue does not have', () => {
    const keys = new Set(ROUTES.map(routeKey));
    const listed = [...readme.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE) \/v1\/[^`\s]*)`/g)].map((m) => m[1]!);
    expect(listed.filter((k) => !keys.has(k))).toEqual([]);
  });
});
