import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { fromRoot } from '../../lib/paths';

/** Debian's Chromium (`.ci/run` installs the package); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.DAGY_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests write screenshots and measurements (gitignored). */
export function artifactsDir(): string {
  const dir = fromRoot('test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Headless Chromium with no network chatter of its own; playwright gives it a fresh temporary profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
