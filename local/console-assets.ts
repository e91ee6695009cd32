import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CONSOLE_DIST, CONSOLE_SECURITY_HEADERS, IMMUTABLE_CACHE, NO_CACHE } from '../console/serving';

const SOURCES = ['console/src', 'console/index.html', 'console/vite.config.ts'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when console/dist is missing or older than a console source file. */
export function consoleBuildIsStale(root: string): boolean {
  const index = join(root, CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(root, s)) > built);
}

/**
 * Builds the console (Vite) when its build is missing or stale and returns the dist directory.
 * A checkout without the console sources (none here) has nothing to build: null.
 */
export function ensureConsoleBuilt(root: string, log: (line: string) => void = () => undefined): string | null {
  if (!existsSync(join(root, 'console/index.html'))) return null;
  if (consoleBuildIsStale(root)) {
    log('building the console (console/dist)...');
    const vite = join(root, 'node_modules/vite/bin/vite.js');
    // NODE_ENV decides React's build: jest sets it to 'test', which would ship the development build.
    const result = spawnSync(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts', '--logLevel', 'error'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (result.status !== 0) throw new Error(`console build failed (npm run build:console):\n${result.stderr || result.stdout}`);
  }
  return join(root, CONSOLE_DIST);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A console file for a GET outside /v1: the file itself when it exists under `dir`, else
 * index.html (the single-page app routes in the browser), as CloudFront's error response does.
 */
export function consoleFile(dir: string, pathname: string): StaticAnswer {
  const root = resolve(dir);
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, '');
  } catch {
    relative = '';
  }
  const candidate = resolve(root, relative);
  const inside = candidate === root || candidate.startsWith(root + sep);
  const isFile = inside && relative !== '' && existsSync(candidate) && statSync(candidate).isFile();
  const file = isFile ? candidate : join(root, 'index.html');
  if (!existsSync(file)) {
    return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('console not built: npm run build:console\n') };
  }
  const immutable = isFile && relative.startsWith(`assets${sep}`);
  return {
    status: 200,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? IMMUTABLE_CACHE : NO_CACHE,
    },
    body: readFileSync(file),
  };
}
