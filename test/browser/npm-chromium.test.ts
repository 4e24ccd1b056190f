import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Chromium } from './helpers/chromium.ts';
import { npmChromium, type NpmChromium } from './helpers/npm-chromium.ts';

/**
 * The Chromium that `npm ci` brings (the devDependency @sparticuz/chromium), which the browser
 * tests fall back to on a machine without Debian's: it unpacks, starts with the libraries it ships,
 * runs a page's script and lays out text. Run on every machine, so the fallback is known to work
 * even where /usr/bin/chromium hides it.
 */
declare const navigator: { userAgent: string };

let npm: NpmChromium;
let browser: Chromium;

beforeAll(async () => {
  npm = await npmChromium();
  browser = await launchChromium({ width: 800, height: 600 }, npm);
});

afterAll(async () => {
  await browser?.close();
});

describe("npm's Chromium", () => {
  it('is the browser the package ships, and runs a page', async () => {
    expect(browser.executablePath).toMatch(/node_modules\/\.cache\/kiln-chromium-[\d.]+\/chromium$/);
    const page = await browser.context.newPage();
    await page.setContent(
      '<p id="p" style="font: 16px sans-serif">Kiln</p><script>document.title = [1, 2, 3].map((n) => n * 2).join()</script>',
    );
    expect(await page.title()).toBe('2,4,6');
    // Text takes room: there is a font to draw it with.
    expect(
      await page.locator('#p').evaluate((p) => (p as unknown as { offsetWidth: number }).offsetWidth),
    ).toBeGreaterThan(0);
    expect(await page.evaluate(() => navigator.userAgent)).toContain(
      `HeadlessChrome/${npm.version.split('.')[0]}.`,
    );
  });
});
