import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// docs/architecture.md: lambdas/engine is pure: no AWS SDK, no Node I/O, no import from other lambdas code.
const engineDir = join(__dirname, '../../../lambdas/engine');
const ALLOWED_PACKAGES = new Set(['zod']);

describe('engine purity', () => {
  const files = readdirSync(engineDir).filter((f) => f.endsWith('.ts'));

  it('has source files', () => {
    expect(files).toContain('index.ts');
  });

  it.each(files)('%s imports only engine files and zod', (file) => {
    const source = readFileSync(join(engineDir, file), 'utf8');
    const patterns = [
      /^(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm, // import/export ... from '...'
      /^import\s+['"]([^'"]+)['"]/gm, // side-effect import
      /\bimport\s*\(\s*['"]([^'"]+)['"]/g, // dynamic import
    ];
    const specifiers = patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
    if (file === 'index.ts' || file === 'validate-flow-spec.ts') expect(specifiers.length).toBeGreaterThan(5); // the scan works
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) expect(specifier).toMatch(/^\.\/[\w.-]+$/);
      else expect([specifier, ALLOWED_PACKAGES.has(specifier)]).toEqual([specifier, true]);
    }
    expect(source).not.toMatch(/\brequire\s*\(/);
    expect(source).not.toMatch(/\bprocess\./);
  });
});
