import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * What users write is shown as it is without changing the page around it (one server and one
 * Chromium for all: each costs seconds of the serial browser round).
 * - Job names are anyone's text (128 characters, no control characters or slashes): a
 *   RIGHT-TO-LEFT OVERRIDE (U+202E, allowed in a name) must stay inside the name, or it reverses
 *   the text after it (the build page's breadcrumb showed "1#" left of the name's end); a
 *   128-character name without spaces must wrap, not make the page scroll sideways.
 * - A long log (read from its end, earlier parts on demand: web/src/build/log-window.ts) holding
 *   one line longer than a window (1 MiB): "Show 1 MiB more" must get past that line to the lines
 *   before it (it read the same window again and again).
 */

// In page.evaluate: the page's document (the tests are compiled without the DOM's types).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let rtl = '';
let long = '';
let longLog = '';

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  const project = await projectId(client);
  rtl = await createShellJob(client, project, 'release\u202eLTR', ['echo built']);
  long = await createShellJob(client, project, 'L'.repeat(128), ['echo built']);
  longLog = await createShellJob(client, project, 'one-long-line', [
    // About 6 MB of ordinary lines, then one 1.5 MB line, then a last line.
    "seq 1 300000 | sed 's/^/early line /'; head -c 1500000 /dev/zero | tr '\\0' x; echo; echo after-long-line",
  ]);
  for (const job of [rtl, long, longLog]) expect(await runToEnd(client, job)).toBe('SUCCESS');
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('odd job names on the dashboard', () => {
  it("keeps a name's right-to-left override inside the name (the breadcrumb still reads '/ #1' after it)", async () => {
    await page.goto(`${server.url}/jobs/${rtl}/builds/1`);
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumbs' });
    const name = crumbs.getByRole('link', { name: /release/ });
    await name.waitFor();
    const build = crumbs.locator('span', { hasText: '#1' });
    const nameBox = (await name.boundingBox())!;
    const buildBox = (await build.boundingBox())!;
    // Left to right: Projects / name / #1.
    expect(buildBox.x).toBeGreaterThanOrEqual(nameBox.x + nameBox.width - 1);
  });

  it('wraps a long name without spaces instead of making the page scroll sideways', async () => {
    await page.goto(`${server.url}/jobs/${long}`);
    await page.getByRole('heading', { level: 1, name: /LLLL/ }).waitFor();
    await page.locator('.history-table tbody tr').first().waitFor();
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(client);
  });
});

describe('a long log with a line longer than a window', () => {
  it('"Show 1 MiB more" reaches the lines before the long line', async () => {
    await page.goto(`${server.url}/jobs/${longLog}/builds/1`);
    const log = page.getByTestId('log');
    await log.getByText(/build finished: SUCCESS/).waitFor({ timeout: 10_000 });
    const note = page.getByTestId('log-skipped');
    const skipped = async () => /the first (.+?) are not shown/.exec((await note.textContent()) ?? '')?.[1];
    // Each click shows something earlier: the first the long line (1.5 MB, more than a window), the
    // second the lines before it.
    for (let i = 0; i < 2; i++) {
      const before = await skipped();
      await note.getByRole('button', { name: 'Show 1 MiB more' }).click();
      await expect.poll(skipped, { message: 'the skipped part never shrinks' }).not.toBe(before);
    }
    const shown = () => log.locator('.log-line .lt').allTextContents();
    await expect.poll(async () => (await shown()).some((t) => t.startsWith('early line'))).toBe(true);
  });
});
