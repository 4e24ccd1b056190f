import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (`npx playwright install` cannot download a browser
 * here). Each launch gets a fresh profile directory, removed on close.
 */
export const CHROMIUM_PATH = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser context on a fresh profile, and how to close it. */
export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a viewport of `width` x `height`. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set KILN_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
  // Playwright passes the profile as --user-data-dir itself (it refuses that flag in `args`).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport,
    timezoneId: process.env.TZ || undefined,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
