import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CSP } from '../../../console/serving';
import { consoleBuildIsStale, consoleFile } from '../../../local/console-assets';

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dagy-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', `secret-${dir.split('-').pop()}.txt`), 'do not serve');
  return dir;
}

describe('consoleFile (the local gateway serving console/dist)', () => {
  const dir = site();

  test('a built asset: its type and a year-long immutable cache', () => {
    const a = consoleFile(dir, '/assets/index-abc.js');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(a.headers['cache-control']).toContain('immutable');
    expect(a.body.toString()).toBe('console.log(1)');
  });

  test('the root and any console route: index.html, not cached, with the security headers', () => {
    for (const path of ['/', '/runs/0190-abc', '/drafts/x/y', '/assets/missing.js']) {
      const a = consoleFile(dir, path);
      expect([path, a.status, a.body.toString()]).toEqual([path, 200, '<div id="root"></div>']);
      expect(a.headers['cache-control']).toBe('no-cache');
      expect(a.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  test('never a file outside the build directory', () => {
    const name = `secret-${dir.split('-').pop()}.txt`;
    for (const path of [`/../${name}`, `/..%2F${name}`, `/%2e%2e/${name}`, '/%E0%A4%A']) {
      expect([path, consoleFile(dir, path).body.toString()]).toEqual([path, '<div id="root"></div>']);
    }
  });

  test('no build: a 404 that says how to build it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dagy-console-empty-'));
    const a = consoleFile(empty, '/');
    expect(a.status).toBe(404);
    expect(a.body.toString()).toContain('npm run build:console');
  });
});

describe('consoleBuildIsStale', () => {
  function project(): string {
    const root = mkdtempSync(join(tmpdir(), 'dagy-console-root-'));
    mkdirSync(join(root, 'console/src'), { recursive: true });
    mkdirSync(join(root, 'console/dist'), { recursive: true });
    writeFileSync(join(root, 'console/index.html'), '');
    writeFileSync(join(root, 'console/src/main.tsx'), '');
    return root;
  }
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  test('missing build: stale', () => {
    expect(consoleBuildIsStale(project())).toBe(true);
  });

  test('a build newer than every source is fresh; touching a source makes it stale', () => {
    const root = project();
    writeFileSync(join(root, 'console/dist/index.html'), '');
    for (const p of ['console', 'console/src', 'console/index.html', 'console/src/main.tsx']) at(join(root, p), 1_000);
    at(join(root, 'console/dist/index.html'), 2_000);
    expect(consoleBuildIsStale(root)).toBe(false);
    at(join(root, 'console/src/main.tsx'), 3_000);
    expect(consoleBuildIsStale(root)).toBe(true);
  });
});
