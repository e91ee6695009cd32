// How the console is served, shared by the local gateway (local/console-assets.ts) and CloudFront
// (lib/stacks/console-stack.ts) so both send the same headers.

/** The built console, relative to the project root (`npm run build:console`). */
export const CONSOLE_DIST = 'console/dist';

/**
 * The console's Content-Security-Policy: its own scripts only, the API on the same origin, no
 * framing. Inline styles are allowed because React Flow positions nodes with style attributes.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every console response (CloudFront adds HSTS itself from its policy). */
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Hashed build files never change; index.html must be re-read to pick up a new build. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const NO_CACHE = 'no-cache';
